// POST /embeddings (OpenAI's): an operation some providers' adapters offer (ProviderAdapter.embeddings:
// OpenAI-compatible ones, Mistral, Gemini). The route parses the body, resolves the model and its
// `models` fallbacks, checks policy, keeps the endpoints whose provider offers embeddings (in the order
// the `provider` preferences give) and hands them to the metered route (metered-route.ts): the same
// reservation, retries, fallbacks, BYOK, metering and usage row as chat. Only the input is priced
// (input tokens × the prompt price); nothing is generated. A model none of whose endpoints offers
// embeddings is the caller's mistake (400), found before anything is sent or metered.
import type { ClientResponse } from '../http/client-response.ts';
import { countEmbeddingsInputTokens, embeddingsInputTokensUpperBound } from '../metering/count-embeddings-input.ts';
import type { EmbeddingsRequest } from '../providers/client-requests.ts';
import { openRequest } from './authenticate-key.ts';
import { serveMetered } from './metered-route.ts';
import { endpointsOffering, type Operation } from './operation.ts';
import { parseEmbeddingsRequest } from './parse-embeddings-request.ts';
import type { PipelineContext } from './pipeline-context.ts';
import { routeRequest } from './route-request.ts';
import { embeddingsPresenter } from './present-embeddings.ts';

export interface IncomingEmbeddingsRequest {
  /** The raw Authorization header ('' when absent). */
  authorization: string;
  body: Buffer;
}

export const embeddingsOperation: Operation<EmbeddingsRequest> = {
  name: 'embeddings',
  on: (route) => route.embeddings,
  estimatePromptTokens: (embeddings) => countEmbeddingsInputTokens(embeddings.body),
};

/** Not async (see handleChatCompletions): a step's error is thrown. */
export function handleEmbeddings(context: PipelineContext, response: ClientResponse, incoming: IncomingEmbeddingsRequest): Promise<void> {
  const caller = openRequest(context, incoming.authorization, response.startedAtEpochMs);
  const embeddings = parseEmbeddingsRequest(incoming.body);
  const { models, endpoints } = routeRequest(context, caller, embeddings.body, embeddings.model);
  const candidates = endpointsOffering(embeddingsOperation, endpoints, models[0]);
  return serveMetered(context, response, {
    operation: embeddingsOperation,
    request: embeddings,
    principal: caller,
    model: models[0],
    candidates,
    spend: { promptTokens: embeddingsInputTokensUpperBound(embeddings.body), maxOutputTokens: 0 },
    clientWantsUsage: false,
    presenter: embeddingsPresenter(embeddings.encodingFormat),
  });
}
