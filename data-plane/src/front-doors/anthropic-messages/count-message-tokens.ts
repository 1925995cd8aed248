// `POST /v1/messages/count_tokens` (and under /api/gateway): Anthropic's token count, answered by the
// gateway itself (`{"input_tokens": N}`) with the same estimator that meters requests whose upstream
// reports no usage, so nothing is sent upstream and nothing is metered. The key, the model and the
// org's policy are checked as for a message. A body only Anthropic could serve (documents, server tools)
// is counted from its text blocks as they are (translate-messages-request.ts).
import { estimatePromptTokens } from '../../metering/estimate-prompt-tokens.ts';
import { openRequest } from '../../pipeline/authenticate-key.ts';
import { allowedModel } from '../../pipeline/resolve-model.ts';
import type { PipelineContext } from '../../pipeline/pipeline-context.ts';
import { parseMessagesRequest } from './parse-messages-request.ts';
import { translateMessagesRequest } from './translate-messages-request.ts';

export interface CountTokensRequest {
  /** `Authorization`, or `Bearer <x-api-key>`. */
  authorization: string;
  body: Buffer;
  nowMs: number;
}

export function countMessageTokens(context: Pick<PipelineContext, 'currentSnapshot'>, incoming: CountTokensRequest): { input_tokens: number } {
  const caller = openRequest(context, incoming.authorization, incoming.nowMs);
  const request = parseMessagesRequest(incoming.body, 'count_tokens');
  allowedModel(caller, request.model);
  const { chat } = translateMessagesRequest(request);
  return { input_tokens: estimatePromptTokens(chat.body.messages, chat.body.tools) };
}
