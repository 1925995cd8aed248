// The usage events the spool wrote last, kept in memory with where each one's record lies in its segment,
// so the shipper sends them without reading the segment back and decoding every record (JSON, checksum,
// schema: 2-5 µs per event, about a twentieth of the data plane's CPU under load). The segment stays the
// truth: the shipper reads it whenever its cursor is not at an event held here (after a restart, or once
// the control plane was away long enough for the oldest events to be let go).
import type { UsageEvent } from '../../../shared/src/usage-event.ts';
import type { SpoolBatch } from './ship-usage.ts';
import { spoolRecordJson } from './spool-record.ts';

/** One event as written: its record spans [offset, end) of its segment. */
export interface WrittenUsageEvent {
  event: UsageEvent;
  /** A stream's provisional record (ship-usage.ts). */
  provisional: boolean;
  /** The record as written (shipped as it is, not serialised again). */
  bytes: Buffer;
  offset: number;
  end: number;
}

interface Entry extends WrittenUsageEvent {
  segment: number;
}

/**
 * Two seconds of a saturated data plane's usage (about 9,000 requests/s on the bench machine), some
 * 20 MB at most: the shipper sends once a second, and an event let go before it is shipped is read
 * back from its segment and decoded (JSON, checksum, schema: 2-5 µs). With 5,000, a data plane serving
 * 9,000 requests/s let about 4,000 of each second's events go before they shipped.
 */
export const DEFAULT_RECENT_USAGE_EVENTS = 20_000;

export class RecentUsageEvents {
  /** Entries before #head are let go: their slots are emptied at once (see #release). */
  #entries: (Entry | undefined)[] = [];
  #head = 0;
  #maxEvents: number;

  constructor(maxEvents = DEFAULT_RECENT_USAGE_EVENTS) {
    this.#maxEvents = maxEvents;
  }

  /** A group the spool wrote to `segment`, in order. Past the limit the oldest are let go. */
  add(segment: number, written: readonly WrittenUsageEvent[]): void {
    // Written out, not `{ ...record, segment }`: a spread followed by a member its source lacks takes V8's
    // slow path, about 4 µs an event against 0.04 in a micro-benchmark (issue 19).
    for (const record of written)
      this.#entries.push({ event: record.event, provisional: record.provisional, bytes: record.bytes, offset: record.offset, end: record.end, segment });
    if (this.#entries.length - this.#head > this.#maxEvents) this.#release(this.#entries.length - this.#maxEvents);
    this.#compact();
  }

  /**
   * Up to `maxEvents` events whose records follow each other from `offset` of `segment`, as the segment
   * would give them; null when the record at that position is not held here. Events before the position
   * (shipped) are let go.
   */
  take(segment: number, offset: number, maxEvents: number): SpoolBatch | null {
    while (this.#head < this.#entries.length) {
      const entry = this.#entries[this.#head] as Entry;
      if (entry.segment > segment || (entry.segment === segment && entry.offset >= offset)) break;
      this.#release(this.#head + 1);
    }
    this.#compact();
    // Read after the compaction, which replaces the array and moves the head to 0: read before it, the
    // head indexed the old array's let-go slots, and the shipper read the segment back from disk.
    const entries = this.#entries;
    const first = entries[this.#head];
    if (first === undefined || first.segment !== segment || first.offset !== offset) return null;
    const events: UsageEvent[] = [];
    const json: Buffer[] = [];
    const offsets: number[] = [];
    const provisional: SpoolBatch['provisional'] = [];
    let nextOffset = offset;
    for (let index = this.#head; index < entries.length && events.length + provisional.length < maxEvents; index++) {
      const entry = entries[index] as Entry;
      if (entry.segment !== segment || entry.offset !== nextOffset) break;
      if (entry.provisional) provisional.push({ event: entry.event, offset: entry.offset });
      else {
        events.push(entry.event);
        json.push(spoolRecordJson(entry.bytes));
        offsets.push(entry.offset);
      }
      nextOffset = entry.end;
    }
    return { events, json, offsets, provisional, nextOffset, damaged: [] };
  }

  /**
   * Lets go of the entries before `until`. Their slots are emptied now rather than at the next compaction:
   * a shipped event held until then (a second or more at a few hundred requests/s) outlived the young
   * generation and was promoted, and copying and promoting those events was most of each scavenge's
   * pause (issue 19).
   */
  #release(until: number): void {
    for (; this.#head < until; this.#head++) this.#entries[this.#head] = undefined;
  }

  /** Drops let-go entries from the array's front once they are half of it. */
  #compact(): void {
    if (this.#head > 1024 && this.#head * 2 > this.#entries.length) {
      this.#entries = this.#entries.slice(this.#head);
      this.#head = 0;
    }
  }
}
