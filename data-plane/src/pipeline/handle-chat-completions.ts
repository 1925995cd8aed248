// POST /chat/completions, top to bottom as in DESIGN.md's request path. The body was already read
// (http/read-body.ts). Steps throw GatewayError; the caller (http/create-app.ts) sends the envelope for
// anything thrown before the upstream call. The endpoints are tried in order with retries and fallbacks
// until one answers (call-endpoints.ts); from then on this function meters the request (one usage event,
// whatever the number of attempts), appends the usage event to the spool, and only then sends the
// response's final bytes. `x-gateway-provider` (slug) and `x-gateway-model` (public model id, which
// differs from the requested one when a `models` fallback served) name the endpoint that answered.
// Other client APIs (Responses, Anthropic Messages) run through here as front doors (front-door.ts):
// the door converts the body to a chat request and presents the chat answer in its own wire format.
import type { SnapshotModel } from '../../../shared/src/snapshot.ts';
import type { ClientResponse } from '../http/client-response.ts';
import { sendJson } from '../http/send-json.ts';
import { CompletionText } from '../metering/completion-text.ts';
import { estimatePromptTokens, promptTokensUpperBound } from '../metering/estimate-prompt-tokens.ts';
import { MeteredChunkStream } from '../metering/meter-chunk-stream.ts';
import { meteringHeaders, withUsageCost } from '../metering/with-usage-cost.ts';
import type { TranslationContext } from '../providers/provider-adapter.ts';
import { requestedMaxOutputTokens } from '../spend/worst-case-cost.ts';
import { openRequest } from './authenticate-key.ts';
import { toUpstreamGatewayError } from './call-upstream.ts';
import { callEndpoints } from './call-endpoints.ts';
import { checkPolicy, providerRulesOf } from './check-policy.ts';
import { chooseEndpoints, keyOwnerOf, type EndpointCandidate } from './choose-endpoints.ts';
import { appendUsage, finishWithError, relayAndFinishStream, withHeaders, type MeteredRequest } from './finish-metered-response.ts';
import { chatCompletionsDoor, presenterFor, routeThroughDoor, type FrontDoor } from './front-door.ts';
import { describeUsageChunk, type RequestMeter } from './meter-usage.ts';
import { parseRoutingOptions } from './parse-routing-options.ts';
import type { PipelineContext } from './pipeline-context.ts';
import type { Principal, SnapshotView } from '../snapshot/snapshot-view.ts';
import { readUpstreamResponse } from './relay-response.ts';
import { repairToolCalls } from './repair-tool-calls.ts';
import { resolveModel } from './resolve-model.ts';
import { explainRefusedProviderKey } from './upstream-credentials.ts';

export interface IncomingChatRequest {
  /** The raw Authorization header ('' when absent). */
  authorization: string;
  body: Buffer;
  /** The front door's `clientHeaders`, when it reads any. */
  headers?: Record<string, string>;
}

export async function handleChatCompletions(
  context: PipelineContext,
  response: ClientResponse,
  incoming: IncomingChatRequest,
  door: FrontDoor = chatCompletionsDoor,
): Promise<void> {
  const principal = openRequest(context, incoming.authorization, response.startedAtEpochMs);
  const snapshot = principal.snapshot;
  const opened = door.open(incoming.body, {
    requestId: response.requestId,
    created: Math.floor(response.startedAtEpochMs / 1000),
    headers: incoming.headers ?? {},
  });
  const chat = opened.chat;
  const repair = repairToolCalls(chat.body.messages);
  if (repair.changes > 0) {
    chat.body.messages = repair.messages;
    context.log(`request ${response.requestId}: tool-call repair changed ${repair.changes} message part(s)`);
  }
  const routing = parseRoutingOptions(chat.body);
  const models = resolveModels(snapshot, principal, [chat.model, ...routing.fallbackModels]);
  const candidates = routeThroughDoor(chooseEndpoints(snapshot, providerRulesOf(principal), models, routing.provider, keyOwnerOf(principal)), opened);
  const translation: TranslationContext = { created: Math.floor(response.startedAtEpochMs / 1000), clientWantsUsage: chat.clientWantsStreamUsage };

  const meter: RequestMeter = {
    requestId: response.requestId,
    startedAt: response.startedAt,
    startedAtEpochMs: response.startedAtEpochMs,
    principal,
    model: models[0] as SnapshotModel,
    endpoint: (candidates[0] as EndpointCandidate).endpoint,
    byok: (candidates[0] as EndpointCandidate).byok,
    streamed: chat.stream,
    upstreamStartedAt: null,
    upstreamFinishedAt: null,
    firstByteAt: null,
    completionText: new CompletionText(),
    usage: null,
    servedModel: null,
    finishReason: null,
  };
  const metered: MeteredRequest = {
    context,
    response,
    meter,
    promptEstimate: () => estimatePromptTokens(chat.body.messages, chat.body.tools),
    errors: opened.errors,
  };
  // Before any upstream call: the worst case is held against the org's balance and the user's daily limit.
  await context.spend.reserve(response, response.requestId, principal, candidates, {
    promptTokens: promptTokensUpperBound(chat.body.messages, chat.body.tools),
    maxOutputTokens: requestedMaxOutputTokens(chat.body),
  });
  const abort = new AbortController();
  response.onAbort(() => abort.abort());

  // Throws (unmetered) only when no endpoint could express the request.
  const answer = await callEndpoints(context.upstream, candidates, { chat, requestId: response.requestId, signal: abort.signal, log: context.log });
  // Metered as the endpoint that answered last; the requested model stays meter.model.
  meter.endpoint = answer.candidate.endpoint;
  meter.byok = answer.candidate.byok;
  meter.upstreamStartedAt = answer.startedAt;
  const servedBy = { 'x-gateway-provider': answer.candidate.route.provider.slug, 'x-gateway-model': answer.candidate.model.id };
  if (!answer.ok) {
    if (!answer.reachedUpstream) throw withHeaders(answer.error, servedBy);
    return finishWithError(metered, withHeaders(answer.error, servedBy));
  }

  const { upstream, candidate } = answer;
  const adapter = candidate.route.adapter;
  const contentType = upstream.headers['content-type'];
  const isEventStream = typeof contentType === 'string' && contentType.startsWith('text/event-stream');
  if (chat.stream && upstream.statusCode === 200 && isEventStream) {
    const metering = new MeteredChunkStream(adapter.createStreamTranslator(translation), meter.completionText, describeUsageChunk(meter));
    return relayAndFinishStream(metered, answer.body, presenterFor(opened, adapter).presentStream(metering), abort.signal, servedBy);
  }

  // A complete (non-streamed) response, or an upstream error before anything was sent.
  let upstreamResult: Awaited<ReturnType<typeof readUpstreamResponse>>;
  try {
    upstreamResult = await readUpstreamResponse(upstream, adapter, translation, meter);
  } catch (caught) {
    return finishWithError(metered, withHeaders(toUpstreamGatewayError(caught, abort.signal), servedBy));
  }
  if (upstreamResult.error !== null) return finishWithError(metered, withHeaders(explainRefusedProviderKey(candidate, upstreamResult.error), servedBy));
  meter.firstByteAt = performance.now();
  const event = await appendUsage(metered, upstream.statusCode, null);
  sendJson(response, upstream.statusCode, presenterFor(opened, adapter).presentBody(withUsageCost(upstreamResult.body, event, upstreamResult.parsedBody)), {
    ...meteringHeaders(event),
    ...servedBy,
  });
}

/** The requested model, then the `models` fallbacks (duplicates dropped), each resolved and policy-checked. */
function resolveModels(snapshot: SnapshotView, principal: Principal, modelIds: readonly string[]): SnapshotModel[] {
  const models: SnapshotModel[] = [];
  for (const modelId of new Set(modelIds)) {
    const model = resolveModel(snapshot, modelId);
    checkPolicy(principal, model);
    models.push(model);
  }
  return models;
}
