// The one path every metered request takes (chat completions and its front doors, FIM, embeddings)
// once its route has parsed the body, resolved the model, checked policy and chosen the
// endpoints: hold the worst case against the caller's limits, call the endpoints in order with retries
// and fallbacks until one answers (call-endpoints.ts), relay the stream or send the body, and meter the
// request: one usage event whatever the number of attempts, settled against the reservation and appended
// to the spool before the answer's final bytes go out. `x-gateway-provider` (slug) and `x-gateway-model`
// (public model id, which differs from the requested one when a `models` fallback served) name the
// endpoint that answered. What differs between kinds of request is in their Operation (operation.ts)
// and their adapters. Errors thrown before an upstream was reached are sent by the caller (create-app.ts).
import { GatewayError, toGatewayError } from '../../../shared/src/errors.ts';
import type { NonEmptyList } from '../../../shared/src/non-empty-list.ts';
import type { SnapshotEndpoint, SnapshotModel } from '../../../shared/src/snapshot.ts';
import type { UsageEvent } from '../../../shared/src/usage-event.ts';
import type { ClientResponse } from '../http/client-response.ts';
import { sendError, type ErrorPresenter } from '../http/send-error.ts';
import { sendJson } from '../http/send-json.ts';
import { SseWriter } from '../http/sse-writer.ts';
import { MeteredChunkStream } from '../metering/meter-chunk-stream.ts';
import { endpointPrices, RequestMeter, type PromptCounter } from '../metering/request-meter.ts';
import { StreamCostCeiling } from '../metering/stream-cost-ceiling.ts';
import { meteringHeaders, withUsageCost } from '../metering/with-usage-cost.ts';
import type { ForwardedRequest } from '../providers/client-requests.ts';
import type { StreamTranslator, TranslationContext } from '../providers/provider-adapter.ts';
import type { Principal } from '../snapshot/snapshot-view.ts';
import type { RateAdmission } from '../rate-limit/rate-limiter.ts';
import type { StoreAnswer } from '../spend/counter-store.ts';
import type { SpendReservation } from '../spend/spend-enforcer.ts';
import { DEFAULT_MAX_OUTPUT_TOKENS, type SpendEstimate } from '../spend/worst-case-cost.ts';
import { toUpstreamGatewayError } from './call-upstream.ts';
import { callEndpoints, type EndpointCallOptions } from './call-endpoints.ts';
import { CancelSignal } from './cancel-signal.ts';
import type { EndpointCandidate } from './choose-endpoints.ts';
import { presenterFor, type AnswerPresenter } from './front-door.ts';
import type { Operation } from './operation.ts';
import type { PipelineContext } from './pipeline-context.ts';
import { readUpstreamResponse, type UpstreamResult } from './relay-response.ts';
import { relayStream } from './relay-stream.ts';
import { explainRefusedProviderKey } from './upstream-credentials.ts';

/** A parsed request of one operation and where it may go: what a route hands the metered path. */
export interface MeteredRequest<Request extends ForwardedRequest> {
  operation: Operation<Request>;
  request: Request;
  principal: Principal;
  /** The requested model: the usage event's, whichever endpoint (or `models` fallback) serves. */
  model: SnapshotModel;
  /** In the order they are tried (choose-endpoints.ts). */
  candidates: NonEmptyList<EndpointCandidate>;
  /** The worst case held against the caller's limits before any upstream call. */
  spend: SpendEstimate;
  /** The client asked for the streamed usage chunk. */
  clientWantsUsage: boolean;
  /** How the answer reaches the client: a front door's presenter and envelope (front-door.ts), or `asIs`. */
  presenter: AnswerPresenter;
}

/**
 * Serves a metered request. Not an async function, nor are the steps before the exchange: each layer
 * would make a promise, a microtask and a resumption per request. Errors before any upstream call (a
 * rate or spend limit, no endpoint able to express the request) are thrown, synchronously when the
 * limits answered synchronously, and sent by the caller.
 */
export function serveMetered<Request extends ForwardedRequest>(
  context: PipelineContext,
  response: ClientResponse,
  metered: MeteredRequest<Request>,
): Promise<void> {
  // Before any upstream call: the request and its estimated tokens are charged to the caller's rate
  // limits, then the worst case is held against the org's balance, the user's daily limit and the key's budgets.
  const { spend } = metered;
  const admission = context.rateLimits.admit(
    metered.principal,
    spend.promptTokens + (spend.maxOutputTokens ?? 0),
    metered.presenter.errors.rateLimitHeaderStyle ?? 'openai',
  );
  // Waited for only when a limit applies: a caller without one pays no promise and no turn of the queue.
  if (admission instanceof Promise) return admission.then((rate) => reserveAndServe(context, response, metered, rate));
  return reserveAndServe(context, response, metered, admission);
}

function reserveAndServe<Request extends ForwardedRequest>(
  context: PipelineContext,
  response: ClientResponse,
  metered: MeteredRequest<Request>,
  rate: RateAdmission,
): Promise<void> {
  let reserving: StoreAnswer<SpendReservation>;
  try {
    reserving = context.spend.reserve(response.requestId, metered.principal, metered.candidates, metered.spend);
  } catch (error) {
    throw refusal(rate, error);
  }
  // Waited for only when the store answers with a promise (Redis, a worker's proxy), as the admission above.
  if (reserving instanceof Promise) {
    return reserving.then(
      (reservation) => new MeteredExchange(context, response, metered, reservation, rate).serve(),
      (error: unknown) => {
        throw refusal(rate, error);
      },
    );
  }
  return new MeteredExchange(context, response, metered, reserving, rate).serve();
}

/** A refused reservation: the request's rate charge is taken back, and the error carries its rate headers. */
function refusal(rate: RateAdmission, error: unknown): unknown {
  rate.settle(0);
  return rate.headers === null ? error : toGatewayError(error).withHeaders(rate.headers);
}

/**
 * `x-gateway-provider` and `x-gateway-model` of the endpoint that answered, then what a rate-limited
 * caller has left (every answer says it: success, stream or error). Made only where it is sent with
 * an error or a stream: a complete answer adds the same members to its metering headers.
 */
function servedByHeaders(candidate: EndpointCandidate, rate: RateAdmission): Record<string, string> {
  const headers: Record<string, string> = { 'x-gateway-provider': candidate.route.provider.slug, 'x-gateway-model': candidate.model.id };
  if (rate.headers !== null) Object.assign(headers, rate.headers);
  return headers;
}

/** What a stream needs at the endpoint that answers before its first byte is relayed. */
interface StreamStart {
  candidate: EndpointCandidate;
  /** Null when nothing is held (free, BYOK). */
  ceiling: StreamCostCeiling | null;
  provisional: UsageEvent;
}

/** A module function, not a closure: tsx names each named closure as it is made. */
function prepareStream(exchange: MeteredExchange<ForwardedRequest>): void {
  exchange.prepareStream();
}

/** One request on the metered path: it owns the meter, the reservation and the answer's ending. */
class MeteredExchange<Request extends ForwardedRequest> implements PromptCounter {
  readonly #context: PipelineContext;
  readonly #response: ClientResponse;
  readonly #metered: MeteredRequest<Request>;
  readonly #reservation: SpendReservation;
  readonly #rate: RateAdmission;
  readonly #meter: RequestMeter;
  readonly #errors: ErrorPresenter;
  readonly #abort = new CancelSignal();
  /** The endpoint whose answer is relayed: its throughput is measured from the usage event. */
  #answeredBy: SnapshotEndpoint | null = null;
  /** A stream's start at the first endpoint, made while its call is on its way (prepareStream). */
  #prepared: StreamStart | null = null;

  constructor(context: PipelineContext, response: ClientResponse, metered: MeteredRequest<Request>, reservation: SpendReservation, rate: RateAdmission) {
    this.#context = context;
    this.#response = response;
    this.#metered = metered;
    this.#reservation = reservation;
    this.#rate = rate;
    this.#meter = new RequestMeter(response, metered.principal, metered.model, metered.candidates[0], metered.request.stream, reservation.heldMicros);
    this.#errors = metered.presenter.errors;
  }

  estimatePromptTokens(): number {
    return this.#metered.operation.estimatePromptTokens(this.#metered.request);
  }

  /**
   * Serves the request; the reservation and the rate charge end here whatever happens (a usage event
   * settled them first, or nothing was spent). Each ending is awaited, not returned: a returned promise
   * would let the `finally` release the hold before a stream or an error's usage event settled it.
   */
  async serve(): Promise<void> {
    const held = this.#reservation.heldMicros !== null;
    if (held) this.#context.observer.reservationHeld(1);
    try {
      const { operation, request, candidates } = this.#metered;
      const response = this.#response;
      const meter = this.#meter;
      const abort = this.#abort;
      response.onAbort(() => abort.abort());

      // Throws (unmetered) only when no endpoint could express the request.
      const calls: EndpointCallOptions<Request> = {
        operation,
        request,
        response,
        signal: abort,
        observer: this.#context.observer,
        health: this.#context.endpointHealth,
        outcome: null,
      };
      const answering = callEndpoints(this.#context.upstream, candidates, calls);
      // Queued after the first attempt's dispatch, so it runs once undici has written the request: undici
      // writes to a reused connection from the check phase, and immediates run in order. (A body in pieces,
      // a long prompt, is written a microtask later; it then runs before the write, as costly as after the answer.)
      if (request.stream) setImmediate(prepareStream, this);
      await answering;
      const answer = calls.outcome as NonNullable<typeof calls.outcome>;
      // Metered as the endpoint that answered last; the requested model stays the meter's.
      meter.answeredBy(answer.candidate, answer.startedAt);
      response.provider = answer.candidate.route.provider.slug;
      if (!answer.ok) {
        if (!answer.reachedUpstream) throw answer.error.withHeaders(servedByHeaders(answer.candidate, this.#rate));
        return await this.#finishWithError(answer.error.withHeaders(servedByHeaders(answer.candidate, this.#rate)));
      }

      const { upstream, candidate, adapter } = answer;
      this.#answeredBy = candidate.endpoint;
      const translation: TranslationContext = {
        created: Math.floor(response.startedAtEpochMs / 1000),
        clientWantsUsage: this.#metered.clientWantsUsage,
        model: request.model,
      };
      // Decided by the route's own adapter: the one that read the answer may be wrapped (redact-credentials.ts).
      const presenter = presenterFor(this.#metered.presenter, candidate.route.chat.adapter);
      const contentType = upstream.headers['content-type'];
      const isEventStream = typeof contentType === 'string' && contentType.startsWith('text/event-stream');
      const translator = request.stream && upstream.statusCode === 200 && isEventStream ? adapter.createStreamTranslator?.(translation) : undefined;
      if (translator !== undefined) {
        const metering = new MeteredChunkStream(translator, meter.completionText, meter);
        const prepared = this.#prepared?.candidate === candidate ? this.#prepared : this.#streamStart(candidate);
        // Durable before the first byte is relayed: billed (at the worst case) if this process dies mid-stream.
        try {
          await this.#context.appendUsage(prepared.provisional, true);
        } catch (error) {
          this.#abort.abort(); // not served: the upstream call ends here
          throw error;
        }
        return await this.#relayStream(answer.body, presenter.presentStream(metering), servedByHeaders(candidate, this.#rate), prepared.ceiling);
      }

      // A complete (non-streamed) response, or an upstream error before anything was sent.
      let upstreamResult: UpstreamResult;
      try {
        // Awaited here rather than in an async reader of its own (a promise and a resumption less), and only
        // when the body is still arriving.
        const reading = upstream.body.bytes();
        upstreamResult = readUpstreamResponse(upstream, reading instanceof Promise ? await reading : reading, adapter, translation, meter);
      } catch (caught) {
        return await this.#finishWithError(toUpstreamGatewayError(caught, abort).withHeaders(servedByHeaders(candidate, this.#rate)));
      }
      if (upstreamResult.error !== null)
        return await this.#finishWithError(explainRefusedProviderKey(candidate, upstreamResult.error).withHeaders(servedByHeaders(candidate, this.#rate)));
      meter.firstByte();
      const event = this.#usageEvent(upstream.statusCode, null);
      await this.#record(event);
      const headers = meteringHeaders(event);
      // Added, not spread: two spreads into one object took V8's slow path (6-9 µs in a micro-benchmark);
      // in servedByHeaders' order, without making its object.
      headers['x-gateway-provider'] = candidate.route.provider.slug;
      headers['x-gateway-model'] = candidate.model.id;
      if (this.#rate.headers !== null) Object.assign(headers, this.#rate.headers);
      sendJson(
        response,
        upstream.statusCode,
        presenter.presentBody(withUsageCost(upstreamResult.body, event, request.model, upstreamResult.parsedBody, upstreamResult.bodyText)),
        headers,
      );
    } finally {
      // Settled by the usage event; a request that ended without one (no upstream reached, or a failure) spent nothing.
      this.#reservation.release();
      this.#rate.settle(0);
      if (held) this.#context.observer.reservationHeld(-1);
    }
  }

  /**
   * What a stream served by the first endpoint needs before its first byte and does not read from the
   * answer, made while the upstream call is on its way (serve) instead of after the answer arrived.
   */
  prepareStream(): void {
    this.#prepared ??= this.#streamStart(this.#metered.candidates[0]);
  }

  /** A stream's cost ceiling and provisional record at `candidate`. */
  #streamStart(candidate: EndpointCandidate): StreamStart {
    // Cut where the hold runs out at this endpoint's prices; BYOK is paid by the org's own key, and draws on no hold.
    const held = this.#reservation.heldMicros;
    const { spend } = this.#metered;
    const ceiling = held === null || candidate.byok ? null : new StreamCostCeiling(held, spend.promptTokens, endpointPrices(candidate.endpoint));
    const completionTokens = spend.maxOutputTokens ?? candidate.model.maxOutputTokens ?? DEFAULT_MAX_OUTPUT_TOKENS;
    return { candidate, ceiling, provisional: this.#meter.provisionalEvent(candidate, spend.promptTokens, completionTokens) };
  }

  async #relayStream(
    upstreamBody: AsyncIterable<Buffer>,
    translator: StreamTranslator,
    headers: Record<string, string>,
    ceiling: StreamCostCeiling | null,
  ): Promise<void> {
    const response = this.#response;
    const writer = new SseWriter(response, headers);
    this.#context.observer.streamOpened();
    let result: Awaited<ReturnType<typeof relayStream>>;
    try {
      result = await relayStream(upstreamBody, writer, this.#meter, translator, { signal: this.#abort, ceiling });
    } finally {
      this.#context.observer.streamClosed();
    }
    if (result.outcome === 'aborted' || response.aborted) {
      await this.#record(this.#usageEvent(499, 'client_closed'));
      return;
    }
    let errorCode: string | null = null;
    let finalBytes: string | Uint8Array | null = result.finalBytes;
    if (result.outcome === 'failed') {
      const error = result.error ?? new GatewayError('upstream_error', 'The upstream provider reported an error.');
      const nothingSent = !writer.started && !result.upstreamErrorRelayed;
      if (nothingSent) {
        await this.#record(this.#usageEvent(error.status, error.code));
        // Nothing reached the client yet: a normal error response is still possible.
        sendError(response, error.withHeaders(headers), this.#errors);
        return;
      }
      errorCode = error.code;
      finalBytes = result.upstreamErrorRelayed ? result.finalBytes : this.#errors.frame(error);
    }
    // A started stream's final bytes go out once its usage event is durable; if it cannot be recorded, an
    // error frame instead. (Here rather than in a method of its own: one async layer less per stream.)
    try {
      await this.#record(this.#usageEvent(200, errorCode));
    } catch (error) {
      writer.end(this.#errors.frame(toGatewayError(error)));
      return;
    }
    writer.end(finalBytes);
  }

  async #finishWithError(error: GatewayError): Promise<void> {
    this.#meter.upstreamFinished();
    const aborted = error.code === 'client_closed' || this.#response.aborted;
    await this.#record(this.#usageEvent(aborted ? 499 : error.status, error.code));
    if (!aborted) sendError(this.#response, error, this.#errors);
  }

  /** The request's one usage event, as the access log and the endpoint's measurements see it. */
  #usageEvent(status: number, errorCode: string | null): UsageEvent {
    const event = this.#meter.usageEvent(status, errorCode, this);
    this.#response.usage = event;
    if (status === 200 && errorCode === null && this.#answeredBy !== null) {
      this.#context.endpointHealth.recordThroughput(this.#answeredBy, event.completionTokens, event.upstreamLatencyMs);
    }
    return event;
  }

  /**
   * Writes the usage event durably (group commit). The spool holds and retries an event it cannot write
   * yet; it rejects (usage_spool_unavailable, the event logged in full) only when it closes without
   * having written it, and then the request must not look served: the rejection propagates. Not an
   * async function: with a store that settles at once, the promise is the spool's, not a layer around it.
   */
  #record(event: UsageEvent): Promise<void> {
    // Settled before it is spooled: a crash in between over-counts this request, never under-counts it.
    const settling = this.#reservation.settle(event);
    if (settling instanceof Promise) return settling.then(() => this.#spool(event));
    return this.#spool(event);
  }

  #spool(event: UsageEvent): Promise<void> {
    this.#rate.settle(event.promptTokens + event.completionTokens);
    return this.#context.appendUsage(event);
  }
}
