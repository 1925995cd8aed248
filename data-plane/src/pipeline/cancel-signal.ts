// A request's cancellation: the client went away, or (for a streamed attempt) its deadline passed. It is
// what the upstream call (dispatched-answer.ts) and the waits around it listen to. Not an AbortController:
// one, with its AbortSignal and a listener, cost 5-10 µs per request in a micro-benchmark and about 2 % of
// the data plane's profile under load (createAbortSignal alone). Nor an EventEmitter any more, since
// undici no longer takes it as a signal: an emitter's `once` binds a wrapper per listener and keeps its
// listeners in a prototype-less (dictionary) object, where a request needs one or two listeners in a list.
export class CancelSignal {
  #aborted = false;
  #listeners: Array<() => void> = [];

  get aborted(): boolean {
    return this.#aborted;
  }

  /** Runs `listener` once, when the signal aborts. */
  once(_event: 'abort', listener: () => void): void {
    if (!this.#aborted) this.#listeners.push(listener);
  }

  /** Takes back a listener `once` added (the last one added, as an emitter does), if it has not run. */
  removeListener(_event: 'abort', listener: () => void): void {
    const index = this.#listeners.lastIndexOf(listener);
    if (index !== -1) this.#listeners.splice(index, 1);
  }

  /** Cancels once: the listeners run, in the order they were added. */
  abort(): void {
    if (this.#aborted) return;
    this.#aborted = true;
    const listeners = this.#listeners;
    this.#listeners = [];
    for (const listener of listeners) listener();
  }
}
