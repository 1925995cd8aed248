// A streamed attempt's deadline (call-endpoints.ts): its own signal, cancelled when the attempt's time is
// up or by the client's abort. Every deadline in flight is checked by one shared timer, armed for the
// earliest of them, instead of a setTimeout (a Timeout object, a closure, a timer list insertion and its
// removal) per streamed attempt: an attempt that ends in time, nearly all of them, is pushed onto a list
// and taken off it. With every attempt given the same timeout the earliest deadline is the oldest, so the
// timer is armed again only when it fires (once per timeout under steady load), to the next one due.

import { SlotList } from '../../../shared/src/slot-list.ts';
import { CancelSignal } from './cancel-signal.ts';

/**
 * A streamed attempt's own signal: cancelled by its deadline or by the client's abort. The upstream call
 * outlives the deadline (a stream is relayed long after), so only the client's abort remains then: an
 * answer keeps the listener.
 */
export class AttemptDeadline {
  readonly signal = new CancelSignal();
  /** performance.now() when the time is up. */
  readonly at: number;
  readonly #clientSignal: CancelSignal;
  /** Made in the constructor, not as a field's initialiser, which tsx names as it is made (an Object.defineProperty per attempt). */
  readonly #abort: () => void;
  /** Where it is in the shared list while pending; -1 once expired or ended. */
  slot = -1;
  timedOut = false;

  constructor(clientSignal: CancelSignal, timeoutMs: number) {
    this.#clientSignal = clientSignal;
    this.at = performance.now() + timeoutMs;
    this.#abort = () => this.signal.abort();
    pending.add(this);
    if (clientSignal.aborted) this.signal.abort();
    else clientSignal.once('abort', this.#abort);
  }

  /** The answer is final (or the attempt failed): the deadline no longer applies; a failed attempt's listener goes, so retries do not pile them up. */
  end(answered: boolean): void {
    pending.remove(this);
    if (!answered) this.#clientSignal.removeListener('abort', this.#abort);
  }

  /** The time is up (the shared timer took it off its list). */
  expire(): void {
    this.timedOut = true;
    this.signal.abort();
  }
}

/**
 * A timer fires when libuv's loop time reaches the time it was set at (the loop's time then, which lags
 * performance.now() by the work done in that turn) plus its delay, so possibly before a deadline by as
 * much: a deadline this close is taken as due rather than armed again for a fraction of a millisecond.
 */
const DUE_WITHIN_MS = 1;

/** The deadlines in flight, in no order, each knowing its slot; one timer for the earliest. */
class PendingDeadlines {
  readonly #list = new SlotList<AttemptDeadline>();
  #timer: NodeJS.Timeout | null = null;
  /** performance.now() the timer is armed for; Infinity when it is not armed. */
  #armedFor = Infinity;
  readonly #fire: () => void;

  constructor() {
    this.#fire = () => this.#expireDue();
  }

  add(deadline: AttemptDeadline): void {
    this.#list.add(deadline);
    if (deadline.at < this.#armedFor) this.#arm(deadline.at);
  }

  /** Takes `deadline` off the list; the timer stays armed, and finds nothing due or the next one. */
  remove(deadline: AttemptDeadline): void {
    this.#list.remove(deadline);
  }

  #arm(at: number): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#armedFor = at;
    this.#timer = setTimeout(this.#fire, Math.max(0, at - performance.now()));
    // The attempts' sockets keep the process alive while any is pending; a timer left armed after the last
    // one ended must not.
    this.#timer.unref();
  }

  #expireDue(): void {
    this.#timer = null;
    this.#armedFor = Infinity;
    const due = performance.now() + DUE_WITHIN_MS;
    let next = Infinity;
    let expired: AttemptDeadline[] | null = null;
    // From the end: a removal moves the last deadline into the current slot, already visited.
    const members = this.#list.members;
    for (let index = members.length - 1; index >= 0; index -= 1) {
      const deadline = members[index] as AttemptDeadline;
      if (deadline.at <= due) {
        this.#list.remove(deadline);
        (expired ??= []).push(deadline);
      } else if (deadline.at < next) next = deadline.at;
    }
    if (next !== Infinity) this.#arm(next);
    // Once the list is whole again: what an abort runs may end or start attempts.
    if (expired !== null) for (const deadline of expired) deadline.expire();
  }
}

const pending = new PendingDeadlines();
