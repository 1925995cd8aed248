// One client response over a uWS HttpResponse: the abort flag, corked writes and the writable signal
// live here, so the pipeline never touches the native object (and never adds properties to it).
import type { HttpResponse } from 'uWebSockets.js';
import type { UsageEvent } from '../../../shared/src/usage-event.ts';
import type { AttemptRecord, EndedRequest, RequestSpan, RouteTelemetry } from '../observability/request-telemetry.ts';

export class ClientResponse implements EndedRequest {
  readonly requestId: string;
  readonly route: RouteTelemetry;
  // What the request leaves for its access-log line, metrics and span (observability/observe-requests.ts),
  // set as it goes: all members exist from the start, so the object keeps one shape.
  /** The status sent (sendJson, SseWriter); 0 while nothing was. */
  status = 0;
  errorCode: string | null = null;
  usage: UsageEvent | null = null;
  provider: string | null = null;
  attempts: AttemptRecord[] | null = null;
  span: RequestSpan | null = null;
  /** X-Forwarded-For as the request carried it, when it is read (trusted proxies are configured), else ''. */
  forwardedFor = '';
  /** The caller's address key (http/client-address.ts) once something asked for it (create-app.ts), else null. */
  clientAddress: string | null = null;
  /** performance.now() when the request arrived. */
  readonly startedAt: number;
  readonly startedAtEpochMs: number;
  #response: HttpResponse;
  #aborted = false;
  #ended = false;
  #bodyPaused = false;
  #abortListeners: Array<() => void> = [];
  /** Made, and uWS's onWritable registered, only when a write met backpressure: most answers never wait. */
  #writableWaiters: Array<() => void> | null = null;
  /** What the cork() in progress runs. */
  #corkedWrite: ((response: HttpResponse) => boolean | void) | null = null;
  /**
   * Runs it, for uWS's cork: made in the constructor, not as a field's initialiser, which tsx names as
   * it is made (an Object.defineProperty per response).
   */
  readonly #corked: () => void;

  constructor(response: HttpResponse, requestId: string, route: RouteTelemetry) {
    this.#response = response;
    this.requestId = requestId;
    this.route = route;
    this.startedAt = performance.now();
    this.startedAtEpochMs = Date.now();
    this.#corked = () => {
      if ((this.#corkedWrite as (response: HttpResponse) => boolean | void)(this.#response) === true) this.#ended = true;
    };
    // Registered before any async step: uWS requires it, and after it fires `response` is dead.
    response.onAborted(() => {
      this.#aborted = true;
      for (const listener of this.#abortListeners.splice(0)) listener();
      this.#releaseWritableWaiters();
    });
  }

  /** The client went away; nothing more may be written. */
  get aborted(): boolean {
    return this.#aborted;
  }

  /** Aborted or already ended: writes are ignored. */
  get closed(): boolean {
    return this.#aborted || this.#ended;
  }

  /**
   * The socket peer's address as text; null once the client went away (uWS forbids touching the response
   * then). Read on demand: uWS makes a new ArrayBuffer for it, several µs per request under load.
   */
  peerAddress(): string | null {
    return this.closed ? null : Buffer.from(this.#response.getRemoteAddressAsText()).toString('latin1');
  }

  onAbort(listener: () => void): void {
    if (this.#aborted) listener();
    else this.#abortListeners.push(listener);
  }

  /**
   * Runs `write` corked (one syscall for status, headers and body). Does nothing once the response is
   * closed. `write` returns true when it ended the response.
   */
  cork(write: (response: HttpResponse) => boolean | void): void {
    if (this.closed) return;
    // The callback waits in a field for #corked, made once per response: no closure per call (every
    // chunk of every stream). Restored after, should a corked write cork again.
    const outer = this.#corkedWrite;
    this.#corkedWrite = write;
    try {
      this.#response.cork(this.#corked);
    } finally {
      this.#corkedWrite = outer;
    }
  }

  /** Resolves when uWS drained its backpressure (or the client went away). */
  writable(): Promise<void> {
    if (this.closed) return Promise.resolve();
    // Registered on the first wait, before this turn returns to uWS, so the drain cannot come first.
    if (this.#writableWaiters === null) {
      this.#writableWaiters = [];
      this.#response.onWritable(() => {
        this.#releaseWritableWaiters();
        return true;
      });
    }
    const waiters = this.#writableWaiters;
    return new Promise((resolve) => waiters.push(resolve));
  }

  /** Stops reading the request body (a 413, or framing that cannot be trusted); the answer then closes the connection. */
  pauseBody(): void {
    this.#bodyPaused = true;
    if (!this.closed) this.#response.pause();
  }

  /** The rest of the request body was left unread: the connection cannot carry another request. */
  get bodyPaused(): boolean {
    return this.#bodyPaused;
  }

  onData(handler: (chunk: ArrayBuffer, isLast: boolean) => void): void {
    this.#response.onData(handler);
  }

  #releaseWritableWaiters(): void {
    if (this.#writableWaiters === null) return;
    for (const resolve of this.#writableWaiters.splice(0)) resolve();
  }
}
