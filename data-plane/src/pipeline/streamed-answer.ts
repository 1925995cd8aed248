// A streamed answer through undici's `dispatch`, its body handed to the relay chunk by chunk. `request()`
// wraps a stream's body in a Readable: every chunk goes through the stream's buffer, a `readable` event on
// the next tick and the async iterator's promise, and the relay's loop awaits it. Here chunks are queued
// and a read takes all of them at once: at once when some are waiting, else in a microtask after the
// socket read that brought them.
// As with `request()`: the promise settles at the response headers (1xx skipped), the body's errors
// (body timeout, reset, the signal) come from reading it, the signal aborts the call until the body is
// complete, a reader that stops early (`return()`, a `for await` left by `break`) aborts the call, and
// past HIGH_WATER_BYTES of unread chunks the socket is paused until the reader catches up.
// `firstEvent()` waits, without reading, until the queue holds a whole SSE event (read-first-event.ts):
// the relay then reads this answer itself, with no replaying layer in between.
import { errors, type Dispatcher, type Pool } from 'undici';
import type { CancelSignal } from './cancel-signal.ts';
import { DispatchedAnswer } from './dispatched-answer.ts';
import { SseEventEndWatch } from './sse-event-end.ts';

/** Unread bytes at which reading from the upstream pauses: a Readable's default high-water mark in undici. */
const HIGH_WATER_BYTES = 64 * 1024;

const DONE: IteratorReturnResult<undefined> = { value: undefined, done: true };
export class StreamedAnswer extends DispatchedAnswer implements AsyncIterator<Buffer> {
  /** Chunks not read yet. */
  #queue: Buffer[] = [];
  #queuedBytes = 0;
  #ended = false;
  #error: Error | null = null;
  #deliveryScheduled = false;
  /** The read waiting for the next chunk. */
  #waiting: { resolve: (result: IteratorResult<Buffer>) => void; reject: (error: Error) => void } | null = null;
  #controller: Dispatcher.DispatchController | null = null;
  /** A whole event was queued (or the body ended): `firstEvent()` answers at once. */
  #firstEventQueued = false;
  /** Until the first event's end is queued: where it ends. */
  #firstEventEnd: SseEventEndWatch | null = new SseEventEndWatch();
  #firstEventWaiting: { resolve: (answer: StreamedAnswer) => void; reject: (error: Error) => void } | null = null;
  /**
   * Hands the chunks queued to the waiting read (queueMicrotask). Made in the constructor, not as a field's
   * initialiser, which tsx names as it is made (an Object.defineProperty per stream).
   */
  readonly #deliver: () => void;

  constructor(pool: Pool, options: Dispatcher.DispatchOptions, signal: CancelSignal) {
    super(signal);
    this.#deliver = () => {
      this.#deliveryScheduled = false;
      if (this.#queue.length > 0) this.#settleWaiting({ value: this.#takeQueued(), done: false }, null);
    };
    this.send(pool, options);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.#controller = controller;
    this.#queue.push(chunk);
    this.#queuedBytes += chunk.length;
    if (!this.#firstEventQueued && this.#firstEventEnd!.sees(chunk)) {
      this.#firstEventQueued = true;
      this.#firstEventEnd = null;
      this.#settleFirstEvent(null);
    }
    if (this.#waiting === null) {
      // Not paused while firstEvent() waits for the first event's end: it reads nothing until then.
      if (this.#queuedBytes >= HIGH_WATER_BYTES && this.#firstEventWaiting === null) controller.pause();
    } else if (!this.#deliveryScheduled) {
      // After the chunks undici parses from the same socket read: a relay that fell behind (the upstream's
      // chunks coalesced in the socket) catches up in one read and one write to its client, as with a Readable.
      this.#deliveryScheduled = true;
      queueMicrotask(this.#deliver);
    }
  }

  onResponseEnd(): void {
    this.finished();
    this.#ended = true;
    // A body that ends before any whole event is relayed as it came.
    this.#firstEventQueued = true;
    this.#settleFirstEvent(null);
    // With chunks still queued, the scheduled delivery answers the read.
    if (this.#queue.length === 0) this.#settleWaiting(DONE, null);
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.finished();
    if (this.failedBeforeHeaders(error)) return;
    this.#error = error;
    this.#settleFirstEvent(error);
    if (this.#queue.length === 0) this.#settleWaiting(null, error);
  }

  /** firstEvent() would resolve at once: a whole event is queued, or the body ended. */
  get firstEventHeld(): boolean {
    return this.#firstEventQueued;
  }

  /**
   * Resolves (to this answer, nothing read) once the chunks queued hold a whole SSE event, or the body
   * ended; rejects when the body fails before that. What readFirstEvent does through a replaying reader.
   */
  firstEvent(): Promise<StreamedAnswer> {
    if (this.#error !== null && !this.#firstEventQueued) return Promise.reject(this.#error);
    if (this.#firstEventQueued) return Promise.resolve(this);
    return new Promise((resolve, reject) => {
      this.#firstEventWaiting = { resolve, reject };
    });
  }

  #settleFirstEvent(error: Error | null): void {
    const waiting = this.#firstEventWaiting;
    if (waiting === null) return;
    this.#firstEventWaiting = null;
    if (error === null) waiting.resolve(this);
    else waiting.reject(error);
  }

  #settleWaiting(result: IteratorResult<Buffer> | null, error: Error | null): void {
    const waiting = this.#waiting;
    if (waiting === null) return;
    this.#waiting = null;
    if (error === null) waiting.resolve(result as IteratorResult<Buffer>);
    else waiting.reject(error);
  }

  /** Everything queued, in one piece (as a Readable's read() gives it). */
  #takeQueued(): Buffer {
    const queue = this.#queue;
    const chunk = queue.length === 1 ? (queue[0] as Buffer) : Buffer.concat(queue, this.#queuedBytes);
    this.#queue = [];
    this.#queuedBytes = 0;
    // Resumed once the reader has caught up: undici may deliver the next chunks synchronously.
    if (this.#controller?.paused === true) this.#controller.resume();
    return chunk;
  }

  /** The whole body arrived and nothing is left unread: the last read was the body's end. */
  get complete(): boolean {
    return this.#ended && this.#queue.length === 0;
  }

  override [Symbol.asyncIterator](): AsyncIterator<Buffer> {
    return this;
  }

  next(): Promise<IteratorResult<Buffer>> {
    if (this.#queue.length > 0) return Promise.resolve({ value: this.#takeQueued(), done: false });
    if (this.#error !== null) return Promise.reject(this.#error);
    if (this.#ended) return Promise.resolve(DONE);
    return new Promise((resolve, reject) => {
      this.#waiting = { resolve, reject };
    });
  }

  /** The reader stopped early: the rest of the answer is not wanted, and the call ends. */
  return(): Promise<IteratorResult<Buffer>> {
    this.#queue = [];
    this.#queuedBytes = 0;
    if (!this.#ended && this.#error === null) {
      this.#error = new errors.RequestAbortedError();
      this.abort(this.#error);
    }
    return Promise.resolve(DONE);
  }

  /** The rest of the body as UTF-8 (a byte order mark dropped, as undici's `text()` does). */
  override async text(): Promise<string> {
    const body = await this.#rest();
    const start = body.length > 2 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? 3 : 0;
    return body.toString('utf8', start);
  }

  override bytes(): Promise<Uint8Array> {
    return this.#rest();
  }

  async #rest(): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for (let next = await this.next(); next.done !== true; next = await this.next()) chunks.push(next.value);
    return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
  }
}
