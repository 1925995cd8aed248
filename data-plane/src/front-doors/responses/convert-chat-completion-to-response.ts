// The pipeline's OpenAI `chat.completion` → a Responses `response` object. Output items in the order a
// Responses model produces them: reasoning (the chat `reasoning` / `reasoning_content`), the message
// with its output_text (also when empty and nothing else was said), then one function_call per tool call.
// The message and reasoning ids carry their content, so a later `item_reference` to them can be expanded
// without stored state (self-contained-item-id.ts).
import type { ResponsesEcho } from './convert-responses-request.ts';
import { buildResponseObject, convertChatUsage, statusOfFinishReason, type ResponseIdentity } from './responses-object.ts';
import type { ResponsesObject, ResponsesOutputItem } from './responses-wire.ts';
import { selfContainedMessageId, selfContainedReasoningId } from './self-contained-item-id.ts';

interface ChatToolCall {
  id?: unknown;
  function?: { name?: unknown; arguments?: unknown };
}

interface ChatCompletion {
  choices?: Array<{
    message?: { content?: unknown; refusal?: unknown; reasoning?: unknown; reasoning_content?: unknown; tool_calls?: ChatToolCall[] | null };
    finish_reason?: unknown;
  }>;
  usage?: unknown;
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

export function convertChatCompletionToResponse(chatCompletion: string | Buffer, identity: ResponseIdentity, echo: ResponsesEcho): ResponsesObject {
  const completion = JSON.parse(chatCompletion.toString()) as ChatCompletion;
  const choice = completion.choices?.[0];
  const message = choice?.message ?? {};
  const output: ResponsesOutputItem[] = [];
  const reasoning = text(message.reasoning) || text(message.reasoning_content);
  if (reasoning !== '') output.push({ type: 'reasoning', id: selfContainedReasoningId(reasoning), summary: [{ type: 'summary_text', text: reasoning }] });
  const toolCalls = Array.isArray(message.tool_calls) ? message.tool_calls : [];
  const content = text(message.content) || text(message.refusal);
  const { status, incompleteReason } = statusOfFinishReason(choice?.finish_reason);
  const itemStatus = status === 'incomplete' ? 'incomplete' : 'completed';
  if (content !== '' || toolCalls.length === 0) {
    output.push({
      type: 'message',
      id: selfContainedMessageId(content),
      status: itemStatus,
      role: 'assistant',
      content: [{ type: 'output_text', text: content, annotations: [], logprobs: [] }],
    });
  }
  for (const call of toolCalls) {
    output.push({
      type: 'function_call',
      id: identity.itemId('fc', output.length),
      call_id: text(call.id),
      name: text(call.function?.name),
      arguments: text(call.function?.arguments),
      status: itemStatus,
    });
  }
  return buildResponseObject(identity, echo, { status, output, usage: convertChatUsage(completion.usage), incompleteReason });
}
