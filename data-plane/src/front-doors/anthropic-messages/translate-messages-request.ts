// The chat request the pipeline runs for a Messages body. When the body uses what only Anthropic can
// serve, there is none for other providers (`onlyNative` says why); the pipeline still gets a chat
// request carrying the body's own turns, system and tools, and `max_tokens`, because its estimates (the
// spend reservation, count_tokens, a missing usage report) read text blocks and limits from there.
import { GatewayError } from '../../../../shared/src/errors.ts';
import { isText, memberOf, withText } from '../../http/read-json-bytes.ts';
import type { ChatRequest } from '../../providers/client-requests.ts';
import { convertMessagesToChatRequest } from './convert-messages-to-chat-request.ts';
import type { MessagesRequest } from './parse-messages-request.ts';

export function translateMessagesRequest(request: MessagesRequest): { chat: ChatRequest; onlyNative: GatewayError | null } {
  try {
    return { chat: convertMessagesToChatRequest(request), onlyNative: null };
  } catch (error) {
    if (!(error instanceof GatewayError)) throw error;
    const { model, messages, tools, max_tokens: maxTokens } = request.body;
    // A long system prompt read in its bytes stays there (http/read-json-bytes.ts).
    const system = memberOf(request.body, 'system');
    const body: ChatRequest['body'] = {
      model,
      messages: [
        ...(system === undefined ? [] : [isText(system) ? withText({ role: 'system' }, 'content', system) : { role: 'system', content: system }]),
        ...messages,
      ],
      ...(tools !== undefined ? { tools } : {}),
      ...(maxTokens !== undefined ? { max_tokens: maxTokens } : {}),
    };
    return { chat: { body, model, stream: request.stream, clientWantsStreamUsage: true, readInBytes: request.source !== undefined }, onlyNative: error };
  }
}
