// The upstream HTTP call over one undici keep-alive Pool per origin. Not an Agent, nor `request(url)`:
// those parse the URL and look the origin up on every request, about half the cost of a call on the
// bench's upstream; here a URL is split once into its origin's pool and its path. Origins come from the
// snapshot's providers, so the pools stay few. Timeouts: the
// response headers must arrive within the request's `headersTimeoutMs` (default `timeoutMs`; a retry on
// a fresh connection gets what is left of it; less than half a second under `timeoutMs`, it is
// `timeoutMs`: see timerShared), and a
// response body may not stall longer than `timeoutMs` between chunks. `attemptTimeoutMs` and
// `totalTimeoutMs` bound the attempts before the first byte (call-endpoints.ts). Failures become
// GatewayErrors: unreachable → 502, timeout → 504, and a client that went away → client_closed.
import { errors, type Dispatcher, type Pool } from 'undici';
import { GatewayError } from '../../../shared/src/errors.ts';
import type { UpstreamHttpRequest } from '../providers/provider-adapter.ts';
import type { CancelSignal } from './cancel-signal.ts';
import type { ProviderKeys } from './provider-keys.ts';
import { DispatchedAnswer } from './dispatched-answer.ts';
import { StreamedAnswer } from './streamed-answer.ts';
import { createUpstreamConnector, UPSTREAM_ADDRESS_REFUSED } from './upstream-connector.ts';
import { WarmPool } from './warm-pool.ts';

export interface UpstreamClient {
  /** The pool of the URL's origin (created on first use) and the path to request on it. */
  target(url: string): UpstreamTarget;
  /** Body idle timeout, and the headers timeout of a call that sets none. */
  readonly timeoutMs: number;
  /** One attempt: until the response headers (streams: until the first event). */
  readonly attemptTimeoutMs: number;
  /** Every attempt of a request together, backoff included, until the first byte. */
  readonly totalTimeoutMs: number;
  /** The platform provider keys by variable name, read once at start (provider-keys.ts). */
  readonly providerKeys: ProviderKeys;
  close(): Promise<void>;
}

export interface UpstreamClientOptions {
  timeoutMs: number;
  attemptTimeoutMs?: number;
  totalTimeoutMs?: number;
  /** Connect to private, loopback and link-local addresses (simulators, local models); default false. */
  allowPrivateUpstreams?: boolean;
  providerKeys: ProviderKeys;
  /** How often each origin's pool sends requests over its spare connections (warm-pool.ts); default 1 s. */
  keepWarmMs?: number;
}

/** Without the attempt and total timeouts, both are `timeoutMs`: one slow upstream fails as it always did. */
export function createUpstreamClient(options: UpstreamClientOptions): UpstreamClient {
  const attemptTimeoutMs = options.attemptTimeoutMs ?? options.timeoutMs;
  const connect = createUpstreamConnector({ allowPrivate: options.allowPrivateUpstreams ?? false, timeoutMs: Math.min(attemptTimeoutMs, 10_000) });
  const keepWarmMs = options.keepWarmMs ?? 1000;
  const pools = new Map<string, Pool>();
  const targets = new Map<string, UpstreamTarget>();
  return {
    target(url) {
      let target = targets.get(url);
      if (target !== undefined) return target;
      const parsed = new URL(url);
      let pool = pools.get(parsed.origin);
      if (pool === undefined) {
        pool = new WarmPool(parsed.origin, { keepAliveTimeout: 30_000, connect, keepWarmMs });
        pools.set(parsed.origin, pool);
      }
      target = { pool, path: `${parsed.pathname}${parsed.search}` };
      // URLs are the snapshot's endpoints; a long-lived process that saw many snapshots starts over.
      if (targets.size >= MAX_CACHED_URLS) targets.clear();
      targets.set(url, target);
      return target;
    },
    timeoutMs: options.timeoutMs,
    attemptTimeoutMs,
    totalTimeoutMs: options.totalTimeoutMs ?? options.timeoutMs,
    providerKeys: options.providerKeys,
    close: async () => {
      await Promise.all([...pools.values()].map((pool) => pool.close()));
    },
  };
}

export interface UpstreamTarget {
  pool: Pool;
  path: string;
}

const MAX_CACHED_URLS = 10_000;

export interface UpstreamRequest {
  /** What the provider adapter built. */
  http: UpstreamHttpRequest;
  requestId: string;
  signal: CancelSignal;
  /** Default: the client's `timeoutMs`. */
  headersTimeoutMs?: number;
  /** W3C trace context of the attempt's span, when tracing is on. */
  traceparent?: string;
  /**
   * The caller reads the answer whole (a non-streamed request): its bytes are collected as they arrive
   * rather than through a stream (see CollectedAnswer).
   */
  whole?: boolean;
}

/** What the callers read of an answer's body: whole, or (a stream) chunk by chunk. */
export interface UpstreamResponseBody extends AsyncIterable<Buffer> {
  text(): Promise<string>;
  /** The bytes themselves when the whole body has already arrived: awaiting them would cost a promise and a turn. */
  bytes(): Uint8Array | Promise<Uint8Array>;
}

export interface UpstreamResponse {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: UpstreamResponseBody;
}

/**
 * Calls the upstream; rejects with a GatewayError. Not an async function: the first send's promise
 * with one `then` for the retry, rather than an async layer (its promise and a resumption) around it.
 */
export function callUpstream(client: UpstreamClient, upstreamRequest: UpstreamRequest): Promise<UpstreamResponse> {
  // A flat [name, value, …] list in the adapter's order, then ours, which undici reads by index: an object
  // copy (Object.assign, then members added) and undici's walk of its keys were V8's property-copying and
  // megamorphic keyed-load builtins (perf, issue 19). The for-in reads each value by the loop's own key.
  const headers: string[] = [];
  const adapterHeaders = upstreamRequest.http.headers;
  for (const name in adapterHeaders) headers.push(name, adapterHeaders[name] as string);
  headers.push('x-request-id', upstreamRequest.requestId);
  if (upstreamRequest.traceparent !== undefined) headers.push('traceparent', upstreamRequest.traceparent);
  const { body } = upstreamRequest.http;
  // Pieces are sent one after the other; undici frames them as chunked unless it is given their length.
  if (typeof body !== 'string' && !Buffer.isBuffer(body)) headers.push('content-length', String(body.reduce((total, piece) => total + piece.length, 0)));
  let target: UpstreamTarget;
  try {
    target = client.target(upstreamRequest.http.url);
  } catch {
    // As undici's request(url) reported it: never reached, so never metered.
    return Promise.reject(toUpstreamGatewayError(new errors.InvalidArgumentError('invalid upstream URL'), upstreamRequest.signal));
  }
  const headersTimeoutMs = upstreamRequest.headersTimeoutMs ?? client.timeoutMs;
  const startedAt = performance.now();
  return send(client, target, upstreamRequest, headers, headersTimeoutMs).then(undefined, (error: unknown) => {
    // A pooled keep-alive connection that died under us (closed by the upstream, or torn down by the
    // pool) fails before any response byte: retry once on a fresh connection. Nothing reached the
    // client yet, so this is the "retry before the first byte" DESIGN.md allows.
    const code = errorCode(error);
    if (upstreamRequest.signal.aborted || code === undefined || !STALE_CONNECTION_CODES.has(code)) {
      throw toUpstreamGatewayError(error, upstreamRequest.signal);
    }
    // Both sends together stay within the headers timeout: it is an attempt's bound (call-endpoints.ts).
    const remainingMs = Math.max(1, Math.ceil(headersTimeoutMs - (performance.now() - startedAt)));
    return send(client, target, upstreamRequest, headers, remainingMs).then(undefined, (retryError: unknown) => {
      throw toUpstreamGatewayError(retryError, upstreamRequest.signal);
    });
  });
}

/** One send of the request; a module function, not a closure (tsx names each named closure as it is made). */
function send(
  client: UpstreamClient,
  target: UpstreamTarget,
  upstreamRequest: UpstreamRequest,
  headers: string[],
  headersTimeoutMs: number,
): Promise<UpstreamResponse> {
  const options: Dispatcher.DispatchOptions = {
    path: target.path,
    method: 'POST',
    headers,
    // undici sends any iterable of buffers (its documented `body`); its type lists only the common kinds.
    body: upstreamRequest.http.body as string | Buffer,
    headersTimeout: timerShared(headersTimeoutMs, client.timeoutMs),
    bodyTimeout: client.timeoutMs,
  };
  // dispatch() leaves the signal to its handler.
  if (upstreamRequest.whole === true) return new CollectedAnswer(target.pool, options, upstreamRequest.signal).response;
  return new StreamedAnswer(target.pool, options, upstreamRequest.signal).response;
}

/**
 * A whole answer through undici's `dispatch`, its body kept as the chunks arrive. `request()` wraps
 * every answer in a Readable stream, an AsyncResource and a promise more, and reading it whole goes
 * through the stream's events: about 10 µs per request more, side by side on one process (a Pool
 * against a local server, 32 requests in flight). As with `request()`: the promise settles at the
 * response headers (1xx skipped), the body's errors (body timeout, reset, the signal) come from reading
 * it, and the signal aborts the call until the body is complete.
 */
class CollectedAnswer extends DispatchedAnswer {
  readonly #chunks: Buffer[] = [];
  #bytes = 0;
  /** The whole body once complete; the error once failed (after the headers). */
  #whole: Buffer | null = null;
  #error: Error | null = null;
  /** What a read waits on while the body is still arriving. */
  #pending: Promise<Buffer> | null = null;
  #settle: { resolve: (body: Buffer) => void; reject: (error: Error) => void } | null = null;

  constructor(pool: Pool, options: Dispatcher.DispatchOptions, signal: CancelSignal) {
    super(signal);
    this.send(pool, options);
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#bytes += chunk.length;
  }

  onResponseEnd(): void {
    this.finished();
    const chunks = this.#chunks;
    this.#whole = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, this.#bytes);
    this.#settle?.resolve(this.#whole);
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.finished();
    if (this.failedBeforeHeaders(error)) return;
    this.#error = error;
    this.#settle?.reject(error);
  }

  /** The body as UTF-8 (a byte order mark dropped, as undici's `text()` does). */
  async text(): Promise<string> {
    const body = await this.#wholeBody();
    const start = body.length > 2 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? 3 : 0;
    return body.toString('utf8', start);
  }

  /** The body's own bytes, not a copy (what undici read from the socket is not reused). */
  bytes(): Uint8Array | Promise<Uint8Array> {
    return this.#whole ?? this.#wholeBody();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    yield await this.#wholeBody();
  }

  #wholeBody(): Promise<Buffer> {
    if (this.#whole !== null) return Promise.resolve(this.#whole);
    if (this.#error !== null) return Promise.reject(this.#error);
    this.#pending ??= new Promise((resolve, reject) => {
      this.#settle = { resolve, reject };
    });
    return this.#pending;
  }
}

/** undici's fast timers (those over a second) fire up to about half a second early or late. */
const FAST_TIMER_SLACK_MS = 500;

/**
 * The headers timeout as undici is given it: the body timeout when it is that within the slack of undici's
 * timers. undici keeps one timer per connection: when the response headers arrive it refreshes it if the
 * body timeout is the same number as the headers timeout, else it clears it and makes a new one (a
 * FastTimer, its list entry, the sweep of the cleared one). An attempt's headers timeout is what is left of
 * the total timeout (call-endpoints.ts), a fraction of a millisecond under the body timeout and different
 * every request: a timer more per request than the floor relay (which gives none) pays (issue 19).
 */
function timerShared(headersTimeoutMs: number, bodyTimeoutMs: number): number {
  const under = bodyTimeoutMs - headersTimeoutMs;
  return headersTimeoutMs > 1000 && under > 0 && under < FAST_TIMER_SLACK_MS ? bodyTimeoutMs : headersTimeoutMs;
}

const STALE_CONNECTION_CODES = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE']);

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);
const UNREACHED_CODES = new Set([
  UPSTREAM_ADDRESS_REFUSED,
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_INVALID_ARG',
]);

function errorCode(error: unknown): string | undefined {
  if (error === null || typeof error !== 'object') return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  const cause = (error as { cause?: unknown }).cause;
  return cause === error ? undefined : errorCode(cause);
}

/** Maps a failed upstream call or body read (undici, network, abort) to a GatewayError. */
export function toUpstreamGatewayError(error: unknown, signal: Pick<CancelSignal, 'aborted'>): GatewayError {
  if (error instanceof GatewayError) return error;
  if (signal.aborted) return new GatewayError('client_closed', 'Client closed the request.', { cause: error });
  const code = errorCode(error);
  if (code === UPSTREAM_ADDRESS_REFUSED) {
    return new GatewayError('upstream_error', "The upstream provider's address is private, loopback or link-local; this gateway does not call it.", {
      cause: error,
    });
  }
  if (code !== undefined && TIMEOUT_CODES.has(code)) {
    return new GatewayError('upstream_timeout', 'The upstream provider did not respond in time.', { cause: error });
  }
  return new GatewayError('upstream_error', `The upstream provider could not be reached (${code ?? 'network error'}).`, { cause: error });
}

/** False when the request certainly never reached the upstream (no usage event is written then). */
export function reachedUpstream(error: GatewayError): boolean {
  const code = errorCode(error.cause);
  return code === undefined || !UNREACHED_CODES.has(code);
}
