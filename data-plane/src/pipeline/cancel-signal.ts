// A request's cancellation: the client went away, or (for a streamed attempt) its deadline passed. It is
// the `signal` of the upstream call (undici takes an EventEmitter as well as an AbortSignal, and aborts
// the call on 'abort') and of the waits around it. Not an AbortController: one, with its AbortSignal and
// a listener, cost 5-10 µs per request in a micro-benchmark and about 2 % of the data plane's profile
// under load (createAbortSignal alone), where an emitter costs a fraction of a microsecond.
import { EventEmitter } from 'node:events';

export class CancelSignal extends EventEmitter {
  #aborted = false;

  get aborted(): boolean {
    return this.#aborted;
  }

  /** Cancels once: the 'abort' listeners run (undici aborts its call). */
  abort(): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.emit('abort');
  }
}
