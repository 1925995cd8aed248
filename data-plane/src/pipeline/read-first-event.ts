// Reads an upstream event stream until its first whole SSE event arrived (a blank line), without
// consuming it: the returned iterable yields those bytes again, then the rest. Until then nothing was
// relayed, so a stream that breaks or stalls before its first event can still fall back or be retried
// (DESIGN.md: retries only before the first byte). An upstream's streamed answer (StreamedAnswer) waits
// for its first event itself and is returned as it is: no replaying layer between it and the relay.
import { SseEventEndWatch } from './sse-event-end.ts';
import { StreamedAnswer } from './streamed-answer.ts';

export function readFirstEvent(body: AsyncIterable<Buffer>): Promise<AsyncIterable<Buffer>> {
  return body instanceof StreamedAnswer ? body.firstEvent() : readAndReplay(body);
}

/**
 * The body itself when its first event is already there (a StreamedAnswer that queued a whole event, or
 * whose body ended), else null: what readFirstEvent would resolve to, without waiting a turn for it.
 */
export function firstEventHeld(body: AsyncIterable<Buffer>): AsyncIterable<Buffer> | null {
  return body instanceof StreamedAnswer && body.firstEventHeld ? body : null;
}

async function readAndReplay(body: AsyncIterable<Buffer>): Promise<AsyncIterable<Buffer>> {
  const iterator = body[Symbol.asyncIterator]();
  const buffered: Buffer[] = [];
  const eventEnd = new SseEventEndWatch();
  for (;;) {
    const next = await iterator.next();
    if (next.done === true) break;
    buffered.push(next.value);
    if (eventEnd.sees(next.value)) break;
  }
  return new ReplayThenRest(buffered, iterator);
}

/**
 * The chunks read, then the rest of the body. An iterator rather than an async generator: a generator
 * adds a promise and a resumption to every chunk of the stream.
 */
class ReplayThenRest implements AsyncIterableIterator<Buffer> {
  #buffered: Buffer[];
  #index = 0;
  readonly #rest: AsyncIterator<Buffer>;

  constructor(buffered: Buffer[], rest: AsyncIterator<Buffer>) {
    this.#buffered = buffered;
    this.#rest = rest;
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<Buffer> {
    return this;
  }

  next(): Promise<IteratorResult<Buffer>> {
    if (this.#index < this.#buffered.length) return Promise.resolve({ value: this.#buffered[this.#index++] as Buffer, done: false });
    return this.#rest.next();
  }

  /** The relay stopped early (client gone): release the upstream body. */
  async return(): Promise<IteratorResult<Buffer>> {
    this.#buffered = [];
    await this.#rest.return?.();
    return { value: undefined, done: true };
  }
}
