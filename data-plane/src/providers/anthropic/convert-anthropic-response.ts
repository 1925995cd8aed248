// A non-streamed Anthropic message → an OpenAI chat.completion: text blocks join into `content`,
// tool_use blocks become `tool_calls` (arguments as a JSON string), thinking goes to `reasoning` (the
// field OpenRouter and the AI SDK read). A body that is not a message is an upstream error (502).
import { GatewayError } from '../../../../shared/src/errors.ts';
import { assistantMessage, chatCompletion } from '../chat-completion.ts';
import type { ConvertedResponse, TranslationContext } from '../provider-adapter.ts';
import { parseUpstreamJson } from '../read-upstream-json.ts';
import type { AnthropicMessageWire, AnthropicResponseBlockWire } from './anthropic-wire.ts';
import { convertAnthropicUsage } from './convert-anthropic-usage.ts';
import { mapAnthropicStopReason } from './map-anthropic-stop-reason.ts';

export function convertAnthropicResponse(body: Buffer, context: TranslationContext): ConvertedResponse | GatewayError {
  const message = parseUpstreamJson(body) as AnthropicMessageWire | null;
  if (message === null || typeof message !== 'object' || !Array.isArray(message.content)) {
    return new GatewayError('upstream_error', 'The upstream provider sent a response that is not a message.');
  }
  let text = '';
  let reasoning = '';
  const toolCalls: Array<{ id: string; type: 'function'; function: { name: string; arguments: string } }> = [];
  for (const block of message.content as Array<AnthropicResponseBlockWire | null>) {
    if (block?.type === 'text' && typeof block.text === 'string') text += block.text;
    else if (block?.type === 'thinking' && typeof block.thinking === 'string') reasoning += block.thinking;
    else if (block?.type === 'tool_use' && typeof block.id === 'string' && typeof block.name === 'string') {
      toolCalls.push({ id: block.id, type: 'function', function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) } });
    }
  }
  const usage = convertAnthropicUsage(message.usage);
  const finishReason = mapAnthropicStopReason(message.stop_reason);
  const servedModel = typeof message.model === 'string' ? message.model : null;
  const id = typeof message.id === 'string' ? message.id : 'msg_unknown';
  const choice = { index: 0, message: assistantMessage(text, reasoning, toolCalls), finish_reason: finishReason, logprobs: null };
  const completion = chatCompletion(id, context.created, servedModel, [choice], usage);
  return { body: JSON.stringify(completion), usage, finishReason, servedModel };
}
