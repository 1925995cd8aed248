// Calls the chosen endpoints in order until one answers, retrying and falling back only while nothing
// has reached the client (DESIGN.md): connect errors, timeouts, 408/409/429 and 5xx move on to the next
// endpoint, and the last endpoint is retried after a backoff or the upstream's retry-after (plan-retry.ts).
// An answer is final once its headers arrived with any other status, or, for a stream, once its first
// event arrived. Each attempt has its own timeout (`attemptTimeoutMs`); all attempts together, waits
// included, stay within `totalTimeoutMs`. A client abort ends everything, waits included. Every failed
// attempt is logged and kept for the access log (observe-requests.ts): provider slug, upstream model,
// status, error code and its cause (the upstream's message, its key taken out, or the network error's
// code); never URLs, keys or bodies. With tracing on, each attempt is a span whose traceparent goes upstream.
// Every attempt's outcome and time to its final answer go to the endpoint's measurements (endpoint-health.ts).
import { GatewayError } from '../../../shared/src/errors.ts';
import type { ClientResponse } from '../http/client-response.ts';
import type { RequestObserver } from '../observability/observe-requests.ts';
import type { ForwardedRequest } from '../providers/client-requests.ts';
import type { UpstreamHttpRequest, UpstreamOperation } from '../providers/provider-adapter.ts';
import type { RoutedOperation } from '../snapshot/snapshot-view.ts';
import { callUpstream, reachedUpstream, toUpstreamGatewayError, type UpstreamClient, type UpstreamResponse } from './call-upstream.ts';
import { AttemptDeadline } from './attempt-deadline.ts';
import type { CancelSignal } from './cancel-signal.ts';
import type { EndpointCandidate } from './choose-endpoints.ts';
import type { EndpointHealth } from './endpoint-health.ts';
import type { Operation } from './operation.ts';
import { parseRetryAfterMs } from './parse-retry-after.ts';
import { isRetryableStatus, planRetry } from './plan-retry.ts';
import { firstEventHeld, readFirstEvent } from './read-first-event.ts';
import { redactingOperation } from './redact-credentials.ts';
import { upstreamApiKey } from './upstream-credentials.ts';
import type { AttemptRecord, AttemptSpan } from '../observability/request-telemetry.ts';

export interface EndpointCallOptions<Request extends ForwardedRequest> {
  operation: Operation<Request>;
  request: Request;
  /** The client's response: its request id, its span, and where failed attempts are kept. */
  response: Pick<ClientResponse, 'requestId' | 'attempts' | 'span'>;
  /** Aborted when the client went away. */
  signal: CancelSignal;
  observer: Pick<RequestObserver, 'attemptFailed'>;
  /** Where each attempt's outcome is measured. */
  health: EndpointHealth;
  /** Backoff jitter; injectable for tests. */
  random?: () => number;
  /**
   * Where callEndpoints puts its outcome, before its promise resolves (with nothing): a promise resolved
   * with an object makes V8 look the object's `then` up (a generic property lookup, its prototype chain
   * included), once per request here.
   */
  outcome: UpstreamAnswer<Request> | UpstreamFailure | null;
}

/** The answer to relay: a 2xx, or a final error status the adapter converts. */
export interface UpstreamAnswer<Request> {
  ok: true;
  candidate: EndpointCandidate;
  /** The operation's adapter on the candidate's provider, which reads the answer. */
  adapter: UpstreamOperation<Request>;
  upstream: UpstreamResponse;
  /** The body to read (a stream's first event already read, and replayed here). */
  body: AsyncIterable<Buffer>;
  /** performance.now() when the answering attempt began. */
  startedAt: number;
}

export interface UpstreamFailure {
  ok: false;
  /** The endpoint of the last attempt. */
  candidate: EndpointCandidate;
  error: GatewayError;
  /** At least one attempt may have reached an upstream (so the request is metered). */
  reachedUpstream: boolean;
  startedAt: number;
}

type FailedAttempt = {
  ok: false;
  error: GatewayError;
  reached: boolean;
  /** The upstream's HTTP status, when it answered with one. */
  upstreamStatus: number | null;
  retryAfterMs: number | null;
  startedAt: number;
};

/** Calls the endpoints (see the header): the answer, or the last failure, is in `options.outcome` once the promise resolves. */
export async function callEndpoints<Request extends ForwardedRequest>(
  client: UpstreamClient,
  candidates: readonly EndpointCandidate[],
  options: EndpointCallOptions<Request>,
): Promise<void> {
  const deadline = performance.now() + client.totalTimeoutMs;
  let failure: UpstreamFailure | null = null;
  let reached = false;
  let untranslatable: GatewayError | null = null;
  for (const [index, candidate] of candidates.entries()) {
    // The routes keep only endpoints whose provider offers the operation (FIM); any other is skipped.
    const operation = options.operation.on(candidate.route);
    if (operation === null) continue;
    let http: UpstreamHttpRequest;
    let routed: RoutedOperation<Request>;
    try {
      const apiKey = upstreamApiKey(candidate, client.providerKeys);
      // Whatever the upstream says back about this call is read with its key taken out (redact-credentials.ts).
      routed = apiKey === null ? operation : { adapter: redactingOperation(operation.adapter, apiKey), url: operation.url };
      http = routed.adapter.convertRequest(options.request, { url: routed.url, upstreamModel: candidate.endpoint.upstreamModel, apiKey });
    } catch (error) {
      // This provider cannot express the request (e.g. n > 1 on Anthropic), or its BYOK key is unusable; another one may.
      if (!(error instanceof GatewayError)) throw error;
      untranslatable ??= error;
      continue;
    }
    for (let retries = 0; ; retries += 1) {
      const remainingMs = deadline - performance.now();
      if (remainingMs <= 0) return settle(options, failure ?? totalTimeoutFailure(candidate));
      const stats = options.health.statsOf(candidate.endpoint);
      options.health.attemptStarted(stats);
      const call = new EndpointAttempt(client, candidate, routed, http, options, Math.min(client.attemptTimeoutMs, remainingMs));
      let attempt: UpstreamAnswer<Request> | FailedAttempt;
      let answered = false;
      try {
        // The upstream call is awaited here, not in an async function of the attempt's own: one layer (a
        // promise and a resumption) less per attempt.
        let called: UpstreamResponse | FailedAttempt;
        try {
          called = await call.response;
        } catch (error) {
          called = call.unanswered(error);
        }
        if ('statusCode' in called) {
          const read = call.read(called);
          attempt = read instanceof Promise ? await read : read;
        } else attempt = called;
        answered = attempt.ok;
      } finally {
        call.end(answered);
      }
      if (attempt.ok) {
        options.health.attemptEnded(stats, 'success', performance.now() - attempt.startedAt);
        return settle(options, attempt);
      }
      options.health.attemptEnded(stats, options.signal.aborted ? 'aborted' : 'failure');
      reached ||= attempt.reached;
      failure = { ok: false, candidate, error: attempt.error, reachedUpstream: reached, startedAt: attempt.startedAt };
      if (options.signal.aborted) return settle(options, { ...failure, error: clientClosed() });
      const plan = planRetry(
        { retryAfterMs: attempt.retryAfterMs },
        { retries, isLastEndpoint: index === candidates.length - 1, remainingMs: deadline - performance.now() },
        options.random,
      );
      const record: AttemptRecord = {
        provider: candidate.route.provider.slug,
        model: candidate.endpoint.upstreamModel,
        upstreamStatus: attempt.upstreamStatus,
        error: attempt.error.code,
        cause: causeOf(attempt.error),
        retryAfterMs: attempt.retryAfterMs,
        next: plan.action,
        delayMs: plan.action === 'retry' ? plan.delayMs : undefined,
      };
      (options.response.attempts ??= []).push(record);
      options.observer.attemptFailed(options.response.requestId, record);
      if (plan.action === 'give-up') return settle(options, failure);
      if (plan.action === 'next-endpoint') break;
      await sleep(plan.delayMs, options.signal);
      if (options.signal.aborted) return settle(options, { ...failure, error: clientClosed() });
    }
  }
  if (failure !== null) return settle(options, failure);
  throw untranslatable ?? new GatewayError('no_provider_available', 'No provider is available for this request.');
}

/** The outcome, where the caller reads it (EndpointCallOptions.outcome). */
function settle<Request>(options: { outcome: UpstreamAnswer<Request> | UpstreamFailure | null }, outcome: UpstreamAnswer<Request> | UpstreamFailure): void {
  options.outcome = outcome;
}

/**
 * One call to one endpoint, bounded by `timeoutMs` until the answer is final (see the header): started
 * when made; the caller awaits its `response` and hands it to `read`, then ends it.
 */
class EndpointAttempt<Request extends ForwardedRequest> {
  readonly startedAt = performance.now();
  readonly response: Promise<UpstreamResponse>;
  readonly #candidate: EndpointCandidate;
  readonly #routed: RoutedOperation<Request>;
  readonly #clientSignal: CancelSignal;
  readonly #stream: boolean;
  readonly #span: AttemptSpan | null;
  readonly #deadline: AttemptDeadline | null;

  constructor(
    client: UpstreamClient,
    candidate: EndpointCandidate,
    routed: RoutedOperation<Request>,
    http: UpstreamHttpRequest,
    options: EndpointCallOptions<Request>,
    timeoutMs: number,
  ) {
    this.#candidate = candidate;
    this.#routed = routed;
    this.#clientSignal = options.signal;
    this.#stream = options.request.stream;
    this.#span = options.response.span?.startAttempt(candidate.route.provider.slug, candidate.endpoint.upstreamModel) ?? null;
    // A complete answer is final once its headers arrived, which undici's headers timeout bounds on its
    // own, so it is called with the client's signal. A stream is final only at its first event: it gets a
    // deadline and a signal of its own that the deadline can abort without aborting the request.
    this.#deadline = this.#stream ? new AttemptDeadline(options.signal, timeoutMs) : null;
    this.response = callUpstream(client, {
      http,
      requestId: options.response.requestId,
      signal: this.#deadline?.signal ?? options.signal,
      headersTimeoutMs: timeoutMs,
      traceparent: this.#span?.traceparent,
      whole: !this.#stream,
    });
  }

  /** The call failed before any answer. */
  unanswered(error: unknown): FailedAttempt {
    const attempt = failedAttempt(error, true, this.#deadline, this.#clientSignal, this.startedAt);
    this.#span?.end(null, attempt.error.code);
    attempt.reached = reachedUpstream(attempt.error);
    return attempt;
  }

  /** The answer if it is final (a stream's once its first event arrived), else a failure; a promise only while a body is read. */
  read(upstream: UpstreamResponse): UpstreamAnswer<Request> | FailedAttempt | Promise<UpstreamAnswer<Request> | FailedAttempt> {
    const status = upstream.statusCode;
    const success = status >= 200 && status < 300;
    this.#span?.end(status, success ? null : String(status));
    if (!success && isRetryableStatus(status)) return this.#retryable(upstream);
    const contentType = upstream.headers['content-type'];
    if (success && this.#stream && typeof contentType === 'string' && contentType.startsWith('text/event-stream')) {
      // The first event often came in the headers' socket read: then no await (and no turn) before the relay.
      const held = firstEventHeld(upstream.body);
      return held === null ? this.#afterFirstEvent(upstream) : this.#answer(upstream, held);
    }
    return this.#answer(upstream, upstream.body);
  }

  /** The answer is final (or the attempt failed): see AttemptDeadline.end. */
  end(answered: boolean): void {
    this.#deadline?.end(answered);
  }

  #answer(upstream: UpstreamResponse, body: AsyncIterable<Buffer>): UpstreamAnswer<Request> {
    return { ok: true, candidate: this.#candidate, adapter: this.#routed.adapter, upstream, body, startedAt: this.startedAt };
  }

  async #afterFirstEvent(upstream: UpstreamResponse): Promise<UpstreamAnswer<Request> | FailedAttempt> {
    let body: AsyncIterable<Buffer>;
    try {
      body = await readFirstEvent(upstream.body);
    } catch (error) {
      return failedAttempt(error, true, this.#deadline, this.#clientSignal, this.startedAt);
    }
    return this.#answer(upstream, body);
  }

  async #retryable(upstream: UpstreamResponse): Promise<FailedAttempt> {
    let text: string;
    try {
      text = await upstream.body.text();
    } catch (error) {
      return failedAttempt(error, true, this.#deadline, this.#clientSignal, this.startedAt);
    }
    return {
      ok: false,
      error: this.#routed.adapter.convertError(upstream.statusCode, text, upstream.headers),
      reached: true,
      upstreamStatus: upstream.statusCode,
      retryAfterMs: parseRetryAfterMs(upstream.headers['retry-after'], Date.now()),
      startedAt: this.startedAt,
    };
  }
}

/**
 * An attempt that failed with `error` (a timeout when the attempt's own timer fired, not the client). A
 * module function rather than a closure in EndpointAttempt: tsx names each named closure as it is made
 * (an Object.defineProperty), on every attempt.
 */
function failedAttempt(error: unknown, reached: boolean, deadline: AttemptDeadline | null, clientSignal: CancelSignal, startedAt: number): FailedAttempt {
  return {
    ok: false,
    error:
      deadline?.timedOut === true && !clientSignal.aborted
        ? new GatewayError('upstream_timeout', 'The upstream provider did not respond in time.', { cause: error })
        : toUpstreamGatewayError(error, clientSignal),
    reached,
    upstreamStatus: null,
    retryAfterMs: null,
    startedAt,
  };
}

/** An attempt's cause in words: the error's message, and the network error's code when there was one. */
function causeOf(error: GatewayError): string {
  // A network error's code (ECONNREFUSED, UND_ERR_SOCKET); a wrapped gateway error's is already in the message.
  const cause = error.cause instanceof GatewayError ? undefined : (error.cause as { code?: unknown } | undefined);
  const code = typeof cause?.code === 'string' ? cause.code : null;
  return code === null || error.message.includes(code) ? error.message : `${error.message} (${code})`;
}

function totalTimeoutFailure(candidate: EndpointCandidate): UpstreamFailure {
  return {
    ok: false,
    candidate,
    error: new GatewayError('upstream_timeout', 'No upstream provider answered within the time allowed.'),
    reachedUpstream: false,
    startedAt: performance.now(),
  };
}

function clientClosed(): GatewayError {
  return new GatewayError('client_closed', 'Client closed the request.');
}

/** Resolves after `milliseconds`, or at once when `signal` aborts. */
function sleep(milliseconds: number, signal: CancelSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, milliseconds);
    signal.once('abort', done);
  });
}
