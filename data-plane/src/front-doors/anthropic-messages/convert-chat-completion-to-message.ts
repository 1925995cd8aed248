// The pipeline's OpenAI chat.completion → an Anthropic message (wire-formats.md §2.1 → §2.5); the inverse
// of providers/anthropic/convert-anthropic-response.ts. Block order is Anthropic's: thinking, text, then
// tool_use. Reasoning becomes a thinking block with an empty signature (no provider but Anthropic signs).
// The gateway's cost fields in the chat usage (metering/usage-cost-fields.ts) go into the message's usage,
// as they do on a natively served message.
import type { OpenAICompatibleResponseWire } from '../../providers/openai-compatible/openai-compatible-wire.ts';
import { convertOpenAICompatibleUsage } from '../../providers/openai-compatible/convert-openai-compatible-usage.ts';
import { mapFinishReasonToStopReason } from './map-finish-reason-to-stop-reason.ts';
import { parseToolInput } from './parse-tool-input.ts';
import { readCostFields } from './read-cost-fields.ts';
import { toAnthropicUsage } from './to-anthropic-usage.ts';

interface ChatMessageWire {
  content?: unknown;
  reasoning?: unknown;
  reasoning_content?: unknown;
  tool_calls?: unknown;
}

interface ToolCallWire {
  id?: unknown;
  function?: { name?: unknown; arguments?: unknown } | null;
}

export function convertChatCompletionToMessage(chatCompletion: string | Buffer, messageId: string): string {
  const completion = JSON.parse(chatCompletion.toString()) as OpenAICompatibleResponseWire;
  const choice = Array.isArray(completion.choices)
    ? (completion.choices[0] as { finish_reason?: unknown; message?: ChatMessageWire | null } | undefined)
    : undefined;
  const message = choice?.message ?? {};
  const content: object[] = [];
  const reasoning = typeof message.reasoning === 'string' ? message.reasoning : message.reasoning_content;
  if (typeof reasoning === 'string' && reasoning !== '') content.push({ type: 'thinking', thinking: reasoning, signature: '' });
  if (typeof message.content === 'string' && message.content !== '') content.push({ type: 'text', text: message.content });
  if (Array.isArray(message.tool_calls)) {
    for (const call of message.tool_calls as Array<ToolCallWire | null>) {
      if (typeof call?.id !== 'string' || typeof call.function?.name !== 'string') continue;
      content.push({ type: 'tool_use', id: call.id, name: call.function.name, input: parseToolInput(call.function.arguments) });
    }
  }
  return JSON.stringify({
    id: messageId,
    type: 'message',
    role: 'assistant',
    model: typeof completion.model === 'string' ? completion.model : '',
    content,
    stop_reason: mapFinishReasonToStopReason(choice?.finish_reason),
    stop_sequence: null,
    usage: { ...toAnthropicUsage(convertOpenAICompatibleUsage(completion.usage)), ...readCostFields(completion.usage) },
  });
}
