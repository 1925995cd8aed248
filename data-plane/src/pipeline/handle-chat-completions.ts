// POST /chat/completions, top to bottom as in DESIGN.md's request path. The body was already read
// (http/read-body.ts). Steps throw GatewayError; the caller (http/create-app.ts) sends the envelope for
// anything thrown before the upstream call. From the upstream call on, this function meters the request,
// appends the usage event to the spool, and only then sends the response's final bytes.
import { GatewayError, toGatewayError } from '../../../shared/src/errors.ts';
import type { SnapshotModel } from '../../../shared/src/snapshot.ts';
import type { UsageEvent } from '../../../shared/src/usage-event.ts';
import type { ClientResponse } from '../http/client-response.ts';
import { formatErrorFrame, sendError } from '../http/send-error.ts';
import { sendJson } from '../http/send-json.ts';
import { SseWriter } from '../http/sse-writer.ts';
import type { StreamTranslator, TranslationContext } from '../providers/provider-adapter.ts';
import { authenticateKey, type Principal } from './authenticate-key.ts';
import { callUpstream, reachedUpstream, toUpstreamGatewayError, type UpstreamResponse } from './call-upstream.ts';
import { checkPolicy } from './check-policy.ts';
import { chooseEndpoints, type EndpointCandidate } from './choose-endpoints.ts';
import { meterUsage, estimatePromptTokens, type RequestMeter } from './meter-usage.ts';
import { parseChatRequest, type ChatRequest } from './parse-chat-request.ts';
import { parseRoutingOptions } from './parse-routing-options.ts';
import type { PipelineContext } from './pipeline-context.ts';
import type { SnapshotView } from '../snapshot/snapshot-view.ts';
import { readUpstreamResponse } from './relay-response.ts';
import { repairToolCalls } from './repair-tool-calls.ts';
import { relayStream } from './relay-stream.ts';
import { resolveModel } from './resolve-model.ts';

export interface IncomingChatRequest {
  /** The raw Authorization header ('' when absent). */
  authorization: string;
  body: Buffer;
}

export async function handleChatCompletions(context: PipelineContext, response: ClientResponse, incoming: IncomingChatRequest): Promise<void> {
  const snapshot = context.currentSnapshot();
  if (snapshot === null) throw new GatewayError('no_provider_available', 'The gateway has not received its configuration yet.');
  const principal = authenticateKey(snapshot, incoming.authorization, response.startedAtEpochMs);
  const chat = parseChatRequest(incoming.body);
  const repair = repairToolCalls(chat.body.messages);
  if (repair.changes > 0) {
    chat.body.messages = repair.messages;
    context.log(`request ${response.requestId}: tool-call repair changed ${repair.changes} message part(s)`);
  }
  const routing = parseRoutingOptions(chat.body);
  const models = resolveModels(snapshot, principal, [chat.model, ...routing.fallbackModels]);
  const model = models[0] as SnapshotModel;
  // reserve-spend: balances and daily limits come with the ledger (a later issue).
  const { endpoint, route } = chooseEndpoints(snapshot, principal.org, models, routing.provider)[0] as EndpointCandidate;
  const adapter = route.adapter;
  // Translated before anything is metered: a request the upstream cannot express never reaches it.
  const upstreamRequest = adapter.convertRequest(chat, {
    url: route.chatUrl,
    upstreamModel: endpoint.upstreamModel,
    apiKey: route.apiKeyEnv === null ? null : (process.env[route.apiKeyEnv] ?? null),
  });
  const translation: TranslationContext = { created: Math.floor(response.startedAtEpochMs / 1000), clientWantsUsage: chat.clientWantsStreamUsage };

  const meter: RequestMeter = {
    requestId: response.requestId,
    startedAt: response.startedAt,
    startedAtEpochMs: response.startedAtEpochMs,
    principal,
    model,
    endpoint,
    streamed: chat.stream,
    upstreamStartedAt: null,
    upstreamFinishedAt: null,
    firstByteAt: null,
    completionTextBytes: 0,
    usage: null,
    servedModel: null,
    finishReason: null,
  };
  const abort = new AbortController();
  response.onAbort(() => abort.abort());

  let upstream: UpstreamResponse;
  meter.upstreamStartedAt = performance.now();
  try {
    upstream = await callUpstream(context.upstream, { http: upstreamRequest, requestId: response.requestId, signal: abort.signal });
  } catch (caught) {
    const error = toGatewayError(caught);
    if (!reachedUpstream(error)) throw error;
    return finishWithError(context, response, meter, chat, error);
  }

  const contentType = upstream.headers['content-type'];
  const isEventStream = typeof contentType === 'string' && contentType.startsWith('text/event-stream');
  if (chat.stream && upstream.statusCode === 200 && isEventStream) {
    return relayAndFinishStream(context, response, meter, chat, upstream, adapter.createStreamTranslator(translation), abort.signal);
  }

  // A complete (non-streamed) response, or an upstream error before anything was sent.
  let upstreamResult: Awaited<ReturnType<typeof readUpstreamResponse>>;
  try {
    upstreamResult = await readUpstreamResponse(upstream, adapter, translation, meter);
  } catch (caught) {
    return finishWithError(context, response, meter, chat, toUpstreamGatewayError(caught, abort.signal));
  }
  if (upstreamResult.error !== null) return finishWithError(context, response, meter, chat, upstreamResult.error);
  meter.firstByteAt = performance.now();
  const event = await appendUsage(context, meter, chat, upstream.statusCode, null);
  sendJson(response, upstream.statusCode, upstreamResult.body, { 'x-gateway-cost-microdollars': String(event.costMicros) });
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

async function relayAndFinishStream(
  context: PipelineContext,
  response: ClientResponse,
  meter: RequestMeter,
  chat: ChatRequest,
  upstream: UpstreamResponse,
  translator: StreamTranslator,
  signal: AbortSignal,
): Promise<void> {
  const writer = new SseWriter(response);
  const result = await relayStream(upstream.body, writer, meter, translator, { signal });
  if (result.outcome === 'aborted' || response.aborted) {
    await appendUsage(context, meter, chat, 499, 'client_closed');
    return;
  }
  if (result.outcome === 'failed') {
    const error = result.error ?? new GatewayError('upstream_error', 'The upstream provider reported an error.');
    const nothingSent = !writer.started && !result.upstreamErrorRelayed;
    await appendUsage(context, meter, chat, nothingSent ? error.status : 200, error.code);
    if (nothingSent) {
      // Nothing reached the client yet: a normal error response is still possible.
      sendError(response, error);
      return;
    }
    writer.end(result.upstreamErrorRelayed ? result.finalBytes : formatErrorFrame(error));
    return;
  }
  await appendUsage(context, meter, chat, 200, null);
  writer.end(result.finalBytes);
}

async function finishWithError(
  context: PipelineContext,
  response: ClientResponse,
  meter: RequestMeter,
  chat: ChatRequest,
  error: GatewayError,
): Promise<void> {
  meter.upstreamFinishedAt ??= performance.now();
  const aborted = error.code === 'client_closed' || response.aborted;
  await appendUsage(context, meter, chat, aborted ? 499 : error.status, error.code);
  if (!aborted) sendError(response, error);
}

/** Writes the usage event durably (group commit). A spool failure is logged, never shown to the client. */
async function appendUsage(
  context: PipelineContext,
  meter: RequestMeter,
  chat: ChatRequest,
  status: number,
  errorCode: string | null,
): Promise<UsageEvent> {
  const event = meterUsage(meter, { status, errorCode, finishedAt: performance.now(), promptEstimate: () => estimatePromptTokens(chat.body.messages) });
  try {
    await context.appendUsage(event);
  } catch (error) {
    context.log(`usage spool append failed for ${meter.requestId}: ${String(error)}`);
  }
  return event;
}
