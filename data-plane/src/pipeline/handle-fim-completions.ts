// POST /fim/completions (Codestral fill-in-the-middle), the same request path as chat: authenticate,
// parse, resolve the model, check policy, choose the endpoint, call the upstream, then relay and meter
// (finish-metered-response.ts). Only providers of kind `mistral` speak FIM; a model served by another
// kind is the caller's mistake (400), found before anything is sent upstream or metered.
import { GatewayError, toGatewayError } from '../../../shared/src/errors.ts';
import type { ClientResponse } from '../http/client-response.ts';
import { sendJson } from '../http/send-json.ts';
import { CompletionText } from '../metering/completion-text.ts';
import { countTokens } from '../metering/count-tokens.ts';
import { MeteredChunkStream } from '../metering/meter-chunk-stream.ts';
import { meteringHeaders, withUsageCost } from '../metering/with-usage-cost.ts';
import { mistralFimAdapter } from '../providers/mistral/mistral-fim-adapter.ts';
import type { TranslationContext } from '../providers/provider-adapter.ts';
import { requestedMaxOutputTokens } from '../spend/worst-case-cost.ts';
import { promptTokensUpperBound } from '../metering/estimate-prompt-tokens.ts';
import { openRequest } from './authenticate-key.ts';
import { callUpstream, reachedUpstream, toUpstreamGatewayError, type UpstreamResponse } from './call-upstream.ts';
import { checkPolicy, providerRulesOf } from './check-policy.ts';
import { chooseEndpoints, keyOwnerOf } from './choose-endpoints.ts';
import { appendUsage, finishWithError, relayAndFinishStream, type MeteredRequest } from './finish-metered-response.ts';
import { describeUsageChunk, type RequestMeter } from './meter-usage.ts';
import { parseFimRequest } from './parse-fim-request.ts';
import type { PipelineContext } from './pipeline-context.ts';
import { readUpstreamResponse } from './relay-response.ts';
import { resolveModel } from './resolve-model.ts';
import { explainRefusedProviderKey, upstreamApiKey } from './upstream-credentials.ts';

export interface IncomingFimRequest {
  /** The raw Authorization header ('' when absent). */
  authorization: string;
  body: Buffer;
}

export async function handleFimCompletions(context: PipelineContext, response: ClientResponse, incoming: IncomingFimRequest): Promise<void> {
  const principal = openRequest(context, incoming.authorization, response.startedAtEpochMs);
  const snapshot = principal.snapshot;
  const fim = parseFimRequest(incoming.body);
  const model = resolveModel(snapshot, fim.model);
  checkPolicy(principal, model);
  // FIM has no routing extras: the org's provider rules and the catalog's order decide, and the first
  // endpoint that speaks FIM serves (no fallback between endpoints yet).
  const candidates = chooseEndpoints(
    snapshot,
    providerRulesOf(principal),
    [model],
    { order: null, only: null, ignore: [], allowFallbacks: true },
    keyOwnerOf(principal),
  );
  const chosen = candidates.find((candidate) => candidate.route.provider.kind === 'mistral');
  if (chosen === undefined) throw new GatewayError('invalid_request', `The model '${model.id}' does not support FIM.`, { param: 'model' });
  const { endpoint, route } = chosen;
  const upstreamRequest = mistralFimAdapter.convertRequest(fim, {
    url: mistralFimAdapter.fimUrl(route.provider.baseUrl),
    upstreamModel: endpoint.upstreamModel,
    apiKey: upstreamApiKey(chosen),
  });
  const translation: TranslationContext = { created: Math.floor(response.startedAtEpochMs / 1000), clientWantsUsage: true };
  const meter: RequestMeter = {
    requestId: response.requestId,
    startedAt: response.startedAt,
    startedAtEpochMs: response.startedAtEpochMs,
    principal,
    model,
    endpoint,
    byok: chosen.byok,
    streamed: fim.stream,
    upstreamStartedAt: null,
    upstreamFinishedAt: null,
    firstByteAt: null,
    completionText: new CompletionText(),
    usage: null,
    servedModel: null,
    finishReason: null,
  };
  const suffix = typeof fim.body.suffix === 'string' ? fim.body.suffix : '';
  const metered: MeteredRequest = { context, response, meter, promptEstimate: () => countTokens(fim.body.prompt) + countTokens(suffix) };
  await context.spend.reserve(response, response.requestId, principal, [chosen], {
    promptTokens: promptTokensUpperBound([{ content: fim.body.prompt }, { content: suffix }]),
    maxOutputTokens: requestedMaxOutputTokens(fim.body),
  });
  const abort = new AbortController();
  response.onAbort(() => abort.abort());

  let upstream: UpstreamResponse;
  meter.upstreamStartedAt = performance.now();
  try {
    upstream = await callUpstream(context.upstream, { http: upstreamRequest, requestId: response.requestId, signal: abort.signal });
  } catch (caught) {
    const error = toGatewayError(caught);
    if (!reachedUpstream(error)) throw error;
    return finishWithError(metered, error);
  }

  const contentType = upstream.headers['content-type'];
  const isEventStream = typeof contentType === 'string' && contentType.startsWith('text/event-stream');
  if (fim.stream && upstream.statusCode === 200 && isEventStream) {
    const metering = new MeteredChunkStream(mistralFimAdapter.createStreamTranslator(translation), meter.completionText, describeUsageChunk(meter));
    return relayAndFinishStream(metered, upstream.body, metering, abort.signal);
  }

  let upstreamResult: Awaited<ReturnType<typeof readUpstreamResponse>>;
  try {
    upstreamResult = await readUpstreamResponse(upstream, mistralFimAdapter, translation, meter);
  } catch (caught) {
    return finishWithError(metered, toUpstreamGatewayError(caught, abort.signal));
  }
  if (upstreamResult.error !== null) return finishWithError(metered, explainRefusedProviderKey(chosen, upstreamResult.error));
  meter.firstByteAt = performance.now();
  const event = await appendUsage(metered, upstream.statusCode, null);
  sendJson(response, upstream.statusCode, withUsageCost(upstreamResult.body, event, upstreamResult.parsedBody), meteringHeaders(event));
}
