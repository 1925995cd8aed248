// MiniMax marks `max_tokens` as deprecated in favour of `max_completion_tokens` (wire-formats.md §2.9):
// the client's `max_tokens` is sent under the new name unless it set both. The rest is the
// OpenAI-compatible request.
import type { ChatRequest } from '../client-requests.ts';
import type { UpstreamHttpRequest, UpstreamTarget } from '../provider-adapter.ts';
import { convertToOpenAICompatibleRequest } from './convert-to-openai-compatible-request.ts';

export function convertToMiniMaxRequest(chat: ChatRequest, target: UpstreamTarget): UpstreamHttpRequest {
  const { max_tokens: maxTokens, ...rest } = chat.body;
  if (maxTokens === undefined || rest.max_completion_tokens !== undefined) return convertToOpenAICompatibleRequest(chat, target);
  return convertToOpenAICompatibleRequest({ ...chat, body: { ...rest, max_completion_tokens: maxTokens }, source: undefined }, target);
}
