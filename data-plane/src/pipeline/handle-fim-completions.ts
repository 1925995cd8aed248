// POST /fim/completions (Codestral fill-in-the-middle): FIM is an operation some providers' adapters
// offer (ProviderAdapter.fim; today Mistral's). The route parses the body, reads the routing extras as
// chat does (`provider` preferences and sort, `models` fallbacks, `:nitro`/`:floor`), resolves the
// models and checks policy, keeps the endpoints whose provider speaks FIM, and hands them to the metered
// route (metered-route.ts), which tries them in order with the same retries and fallbacks as chat. A model
// none of whose endpoints speaks FIM is the caller's mistake (400), found before anything is sent or metered.
// The answer is relayed in the provider's FIM shape, which is the client's.
import type { ClientResponse } from '../http/client-response.ts';
import { countTokens } from '../metering/count-tokens.ts';
import { promptTokensUpperBound } from '../metering/estimate-prompt-tokens.ts';
import type { FimRequest } from '../providers/client-requests.ts';
import { isText, memberOf, type LongString } from '../http/read-json-bytes.ts';
import { requestedMaxOutputTokens } from '../spend/worst-case-cost.ts';
import { openRequest } from './authenticate-key.ts';
import { asIs } from './front-door.ts';
import { serveMetered } from './metered-route.ts';
import { endpointsOffering, type Operation } from './operation.ts';
import { parseFimRequest } from './parse-fim-request.ts';
import type { PipelineContext } from './pipeline-context.ts';
import { routeRequest } from './route-request.ts';

export interface IncomingFimRequest {
  /** The raw Authorization header ('' when absent). */
  authorization: string;
  body: Buffer;
}

export const fimOperation: Operation<FimRequest> = {
  name: 'FIM',
  on: (route) => route.fim,
  estimatePromptTokens: (fim) => countTokens(fim.body.prompt) + countTokens(suffixOf(fim)),
};

/** Not async (see handleChatCompletions): a step's error is thrown. */
export function handleFimCompletions(context: PipelineContext, response: ClientResponse, incoming: IncomingFimRequest): Promise<void> {
  const caller = openRequest(context, incoming.authorization, response.startedAtEpochMs);
  const fim = parseFimRequest(incoming.body);
  const { models, endpoints } = routeRequest(context, caller, fim.body, fim.model);
  const model = models[0];
  const candidates = endpointsOffering(fimOperation, endpoints, model);
  return serveMetered(context, response, {
    operation: fimOperation,
    request: fim,
    principal: caller,
    model,
    candidates,
    spend: {
      // Measured, not built, when the body was read in its bytes (http/read-json-bytes.ts).
      promptTokens: promptTokensUpperBound([{ content: memberOf(fim.body, 'prompt') }, { content: measuredSuffix(fim) }]),
      maxOutputTokens: requestedMaxOutputTokens(fim.body),
    },
    // Mistral's FIM stream carries its usage unasked; the FIM operation relays it.
    clientWantsUsage: true,
    presenter: asIs,
  });
}

function suffixOf(fim: FimRequest): string {
  return typeof fim.body.suffix === 'string' ? fim.body.suffix : '';
}

function measuredSuffix(fim: FimRequest): string | LongString {
  const suffix = memberOf(fim.body, 'suffix');
  return isText(suffix) ? suffix : '';
}
