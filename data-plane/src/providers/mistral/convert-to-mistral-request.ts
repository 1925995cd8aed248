// The client's chat body → Mistral's `/chat/completions` (OpenAI-shaped, wire-formats.md §2.7), with
// Mistral's differences:
//   max_completion_tokens → max_tokens (when max_tokens is unset); seed → random_seed
//   role `developer` → `system` (Mistral knows no developer role)
//   tool-call ids → 9 letters and digits, consistently (map-mistral-tool-call-ids.ts)
//   stream_options dropped: Mistral reports usage on the last chunk unasked and rejects unknown fields
// Everything else passes through; a field Mistral does not know comes back as its 422, which the
// client sees as a 400 naming the field (mistral-error.ts).
// Messages are copied with copyKeepingBytes: a long prompt read in its bytes (http/read-json-bytes.ts)
// goes out as those bytes (serialiseKeepingBytes), not decoded and escaped again.
import type { ChatRequest } from '../client-requests.ts';
import type { UpstreamHttpRequest, UpstreamTarget } from '../provider-adapter.ts';
import { createMistralToolCallIdMapper } from './map-mistral-tool-call-ids.ts';
import { copyKeepingBytes, serialiseKeepingBytes } from '../splice-json-member.ts';

type Message = Record<string, unknown>;

function convertMessage(message: Message, toMistralId: (id: string) => string): Message {
  const converted = copyKeepingBytes(message);
  if (converted.role === 'developer') converted.role = 'system';
  if (typeof converted.tool_call_id === 'string') converted.tool_call_id = toMistralId(converted.tool_call_id);
  if (Array.isArray(converted.tool_calls)) {
    converted.tool_calls = (converted.tool_calls as unknown[]).map((call) => {
      const id = (call as { id?: unknown } | null)?.id;
      return typeof id === 'string' ? { ...(call as object), id: toMistralId(id) } : call;
    });
  }
  return converted;
}

export function convertToMistralRequest(chat: ChatRequest, target: UpstreamTarget): UpstreamHttpRequest {
  const { stream_options: _streamOptions, max_completion_tokens: maxCompletionTokens, seed, ...rest } = chat.body;
  const body: Record<string, unknown> = { ...rest, model: target.upstreamModel };
  if (body.max_tokens === undefined && maxCompletionTokens !== undefined) body.max_tokens = maxCompletionTokens;
  if (body.random_seed === undefined && seed !== undefined) body.random_seed = seed;
  const toMistralId = createMistralToolCallIdMapper();
  body.messages = chat.body.messages.map((message) => convertMessage(message as Message, toMistralId));
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (target.apiKey !== null) headers.authorization = `Bearer ${target.apiKey}`;
  return { url: target.url, headers, body: serialiseKeepingBytes(body, chat.readInBytes === true) };
}
