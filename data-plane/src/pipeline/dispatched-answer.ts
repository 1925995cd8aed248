// What both ways of reading an upstream answer through undici's `dispatch` share (CollectedAnswer in
// call-upstream.ts: a whole answer; StreamedAnswer: a stream), as `request()` does it: the promise settles
// at the response headers (1xx skipped), an error before them rejects it, and the request's signal aborts
// the call until the body is complete or failed.
import { errors, type Dispatcher, type Pool } from 'undici';
import type { UpstreamResponse, UpstreamResponseBody } from './call-upstream.ts';
import type { CancelSignal } from './cancel-signal.ts';

export abstract class DispatchedAnswer implements Dispatcher.DispatchHandler, UpstreamResponseBody {
  readonly response: Promise<UpstreamResponse>;
  #answered!: (response: UpstreamResponse) => void;
  #failed!: (error: Error) => void;
  readonly #signal: CancelSignal;
  readonly #onAbort: () => void;
  #controller: Dispatcher.DispatchController | null = null;
  #headersArrived = false;

  constructor(signal: CancelSignal) {
    this.response = new Promise((resolve, reject) => {
      this.#answered = resolve;
      this.#failed = reject;
    });
    this.#signal = signal;
    this.#onAbort = () => this.#controller?.abort(new errors.RequestAbortedError());
  }

  abstract text(): Promise<string>;
  abstract bytes(): Uint8Array | Promise<Uint8Array>;
  abstract [Symbol.asyncIterator](): AsyncIterator<Buffer>;
  abstract onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void;
  abstract onResponseEnd(controller: Dispatcher.DispatchController, trailers: Record<string, string | string[] | undefined>): void;
  abstract onResponseError(controller: Dispatcher.DispatchController, error: Error): void;

  /** Sends the request, unless its client already went away: the last step of a subclass's constructor. */
  protected send(pool: Pool, options: Dispatcher.DispatchOptions): void {
    if (this.#signal.aborted) {
      this.#failed(new errors.RequestAbortedError());
      return;
    }
    this.#signal.once('abort', this.#onAbort);
    pool.dispatch(options, this);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#signal.aborted) controller.abort(new errors.RequestAbortedError());
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>): void {
    if (statusCode < 200) return;
    this.#headersArrived = true;
    this.#answered({ statusCode, headers, body: this });
  }

  /** The body is complete or failed: the signal no longer concerns the call. */
  protected finished(): void {
    this.#signal.removeListener('abort', this.#onAbort);
  }

  /** For onResponseError: an error before the headers fails the call itself (true then). */
  protected failedBeforeHeaders(error: Error): boolean {
    if (this.#headersArrived) return false;
    this.#failed(error);
    return true;
  }

  /** Ends the call (the reader wants no more of it). */
  protected abort(error: Error): void {
    this.finished();
    this.#controller?.abort(error);
  }
}
