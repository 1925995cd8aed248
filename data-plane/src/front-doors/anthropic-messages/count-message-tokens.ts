// `POST /v1/messages/count_tokens` (and under /api/gateway): Anthropic's token count, answered by the
// gateway itself (`{"input_tokens": N}`) with the same estimator that meters requests whose upstream
// reports no usage, so nothing is sent upstream and nothing is metered. The key, the model and the
// org's policy are checked as for a message. A body only Anthropic could serve (documents, server tools)
// is counted from its text blocks as they are.
import { GatewayError } from '../../../../shared/src/errors.ts';
import { estimatePromptTokens } from '../../metering/estimate-prompt-tokens.ts';
import { authenticateKey } from '../../pipeline/authenticate-key.ts';
import { checkPolicy } from '../../pipeline/check-policy.ts';
import { resolveModel } from '../../pipeline/resolve-model.ts';
import type { SnapshotView } from '../../snapshot/snapshot-view.ts';
import { convertMessagesToChatRequest } from './convert-messages-to-chat-request.ts';
import { parseMessagesRequest, type MessagesRequest } from './parse-messages-request.ts';

export interface CountTokensRequest {
  /** `Authorization`, or `Bearer <x-api-key>`. */
  authorization: string;
  body: Buffer;
  nowMs: number;
}

function countedPrompt(request: MessagesRequest): { messages: unknown[]; tools: unknown } {
  try {
    const chat = convertMessagesToChatRequest(request);
    return { messages: chat.body.messages, tools: chat.body.tools };
  } catch (error) {
    if (!(error instanceof GatewayError)) throw error;
    const system = request.body.system === undefined ? [] : [{ role: 'system', content: request.body.system }];
    return { messages: [...system, ...request.body.messages], tools: request.body.tools };
  }
}

export function countMessageTokens(snapshot: SnapshotView | null, incoming: CountTokensRequest): { input_tokens: number } {
  if (snapshot === null) throw new GatewayError('no_provider_available', 'The gateway has not received its configuration yet.');
  const principal = authenticateKey(snapshot, incoming.authorization, incoming.nowMs);
  const request = parseMessagesRequest(incoming.body, 'count_tokens');
  checkPolicy(principal, resolveModel(snapshot, request.model));
  const { messages, tools } = countedPrompt(request);
  return { input_tokens: estimatePromptTokens(messages, tools) };
}
