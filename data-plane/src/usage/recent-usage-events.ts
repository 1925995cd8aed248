// The usage records the spool wrote last, kept in memory with where each one lies in its segment, so
// the shipper sends them without reading the segment back and decoding every record (JSON, checksum,
// schema: 2-5 µs per event, about a twentieth of the data plane's CPU under load), and GET /generation
// finds a request before it was shipped. The segment stays the truth: the shipper reads it whenever its
// cursor is not at a record held here (after a restart, or once the control plane was away long enough
// for the oldest records to be let go).
//
// Held as bytes, not objects: each record's bytes are copied into one preallocated buffer (a ring), and
// where each lies into typed arrays. A record waits here a second or more (the shipper sends once a
// second, and lets a record go at its next round), so whatever it held on V8's heap outlived two
// scavenges and was promoted; an event object, its strings and a Buffer per record were a tenth of what
// each scavenge promoted under load (issue 19). GET /generation, which is rare, decodes the record asked for.
import type { UsageEvent } from '../../../shared/src/usage-event.ts';
import { utf8Text } from '../http/buffer-text.ts';
import type { SpoolBatch } from './ship-usage.ts';
import { decodeSpoolRecord, isProvisionalRecord, spoolRecordJsonStart } from './spool-record.ts';

/**
 * A group of records as the spool wrote it: the first `count` records of `bytes`, back to back from its
 * start, record i ending at `ends[i]`; the group starts at byte `position` of its segment. The bytes are
 * the spool's own buffer, valid only during the call: they are copied (and shipped as they are, not serialised again).
 */
export interface WrittenGroup {
  bytes: Buffer;
  ends: readonly number[];
  count: number;
  position: number;
}

/**
 * Two seconds of a saturated data plane's usage (about 9,000 requests/s on the bench machine): the
 * shipper sends once a second, and a record let go before it is shipped is read back from its segment
 * and decoded (JSON, checksum, schema: 2-5 µs). With 5,000, a data plane serving 9,000 requests/s let
 * about 4,000 of each second's events go before they shipped.
 */
export const DEFAULT_RECENT_USAGE_EVENTS = 20_000;
/** Room for the records: about 600 bytes each, so the count above binds first. */
export const DEFAULT_RECENT_USAGE_BYTES = 16 * 1024 * 1024;

/** What every record this process writes starts its JSON with (usage-event-json.ts): the request id comes first. */
const REQUEST_ID_PREFIX = Buffer.from('{"requestId":"');
const QUOTE = 0x22;
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const BACKSLASH = 0x5c;

export class RecentUsageEvents {
  readonly #ring: Buffer;
  /** Per slot, in a circle of `#first` (the oldest held) and `#count`. */
  readonly #segment: Float64Array;
  readonly #offset: Float64Array;
  readonly #end: Float64Array;
  /** Where the record's bytes start in the ring, and their length. */
  readonly #start: Uint32Array;
  readonly #length: Uint32Array;
  readonly #provisional: Uint8Array;
  /** A hash of the request id's JSON text, so a lookup decodes only the record it is after. */
  readonly #idHash: Int32Array;
  /** Where the request id's text ends in the ring when it is plain (no escape), else 0: read by take without a second scan. */
  readonly #idEnd: Uint32Array;
  #first = 0;
  #count = 0;
  /** What take copies a batch's records into. */
  #batch = Buffer.allocUnsafeSlow(0);
  /** Where the next record's bytes go in the ring. */
  #write = 0;

  constructor(maxEvents = DEFAULT_RECENT_USAGE_EVENTS, maxBytes = DEFAULT_RECENT_USAGE_BYTES) {
    this.#ring = Buffer.allocUnsafeSlow(maxBytes);
    this.#segment = new Float64Array(maxEvents);
    this.#offset = new Float64Array(maxEvents);
    this.#end = new Float64Array(maxEvents);
    this.#start = new Uint32Array(maxEvents);
    this.#length = new Uint32Array(maxEvents);
    this.#provisional = new Uint8Array(maxEvents);
    this.#idHash = new Int32Array(maxEvents);
    this.#idEnd = new Uint32Array(maxEvents);
  }

  /** A group the spool wrote to `segment`, in order. Past the limits the oldest are let go. */
  add(segment: number, written: WrittenGroup): void {
    const { bytes, ends, count, position } = written;
    const total = count === 0 ? 0 : ends[count - 1]!;
    // The group's records lie back to back: one copy for them all (Buffer#copy of part of a buffer makes a
    // Uint8Array each time), unless one of them is too large to hold.
    if (count <= this.#segment.length && total * 4 <= this.#ring.length) {
      while (this.#count + count > this.#segment.length) this.#letGoOldest();
      const groupStart = this.#room(total);
      bytes.copy(this.#ring, groupStart, 0, total);
      for (let index = 0, recordFrom = 0; index < count; index++) {
        const recordTo = ends[index]!;
        this.#hold(segment, position + recordFrom, groupStart + recordFrom, recordTo - recordFrom);
        recordFrom = recordTo;
      }
      this.#write = groupStart + total;
      return;
    }
    for (let index = 0, recordStart = 0; index < count; index++) {
      const recordFrom = recordStart;
      const recordTo = ends[index]!;
      recordStart = recordTo;
      const length = recordTo - recordFrom;
      const offset = position + recordFrom;
      // A record too large to hold (far beyond a bounded event): what follows it would not be contiguous
      // with what is held, so everything is let go and the shipper reads the segment.
      if (length * 4 > this.#ring.length) {
        this.#count = 0;
        continue;
      }
      if (this.#count === this.#segment.length) this.#letGoOldest();
      const start = this.#room(length);
      bytes.copy(this.#ring, start, recordFrom, recordTo);
      this.#hold(segment, offset, start, length);
      this.#write = start + length;
    }
  }

  /** Takes the next slot for the record of `length` bytes at `start` of the ring, from `offset` of `segment`. */
  #hold(segment: number, offset: number, start: number, length: number): void {
    const slot = this.#slot(this.#count);
    this.#segment[slot] = segment;
    this.#offset[slot] = offset;
    this.#end[slot] = offset + length;
    this.#start[slot] = start;
    this.#length[slot] = length;
    this.#provisional[slot] = isProvisionalRecord(this.#ring[start]!) ? 1 : 0;
    const from = this.#idStart(start, length);
    const to = from === -1 ? -1 : this.#idClose(from, start + length);
    this.#idHash[slot] = to === -1 ? 0 : this.#idCloseHash;
    this.#idEnd[slot] = to > 0 ? to : 0;
    this.#count += 1;
  }

  /**
   * Up to `maxEvents` records that follow each other from `offset` of `segment`, as the segment would give
   * them; null when the record at that position is not held here. Records before the position (shipped)
   * are let go. The batch's JSON is valid until the next take (the shipper takes one batch at a time).
   */
  take(segment: number, offset: number, maxEvents: number): SpoolBatch | null {
    while (this.#count > 0) {
      const slot = this.#first;
      if (this.#segment[slot]! > segment || (this.#segment[slot] === segment && this.#offset[slot]! >= offset)) break;
      this.#letGoOldest();
    }
    if (this.#count === 0 || this.#segment[this.#first] !== segment || this.#offset[this.#first] !== offset) return null;
    let taken = 0;
    let bytes = 0;
    let nextOffset = offset;
    while (taken < this.#count && taken < maxEvents) {
      const slot = this.#slot(taken);
      if (this.#segment[slot] !== segment || this.#offset[slot] !== nextOffset) break;
      bytes += this.#length[slot]!;
      nextOffset = this.#end[slot]!;
      taken += 1;
    }
    // The batch's records are copied out, as they lie back to back in the ring (one copy a stretch until
    // the ring wraps round): the ring may reuse its room while the batch is on its way. Into a buffer kept
    // for the purpose: a new one a batch (hundreds of KB) was an mmap, its page faults and a munmap.
    if (this.#batch.length < bytes) this.#batch = Buffer.allocUnsafeSlow(Math.max(bytes, 2 * this.#batch.length));
    const copy = this.#batch;
    let runFrom = -1;
    let runTo = -1;
    let runAt = 0;
    for (let index = 0, at = 0; index < taken; index++) {
      const slot = this.#slot(index);
      const start = this.#start[slot]!;
      if (start !== runTo) {
        if (runFrom !== -1) this.#ring.copy(copy, runAt, runFrom, runTo);
        runFrom = start;
        runAt = at;
      }
      runTo = start + this.#length[slot]!;
      at += this.#length[slot]!;
    }
    if (runFrom !== -1) this.#ring.copy(copy, runAt, runFrom, runTo);
    const requestIds: string[] = [];
    const json: Buffer[] = [];
    const offsets: number[] = [];
    const provisional: SpoolBatch['provisional'] = [];
    for (let index = 0, at = 0; index < taken; index++) {
      const slot = this.#slot(index);
      const length = this.#length[slot]!;
      // Past the checksum, before the newline.
      const jsonStart = at + spoolRecordJsonStart(copy[at]!);
      const text = copy.subarray(jsonStart, at + length - 1);
      const idEnd = this.#idEnd[slot]!;
      const requestId =
        idEnd !== 0
          ? utf8Text(copy, jsonStart + REQUEST_ID_PREFIX.length, at + (idEnd - this.#start[slot]!))
          : (JSON.parse(text.toString('utf8')) as { requestId: string }).requestId;
      at += length;
      if (this.#provisional[slot] === 1) provisional.push({ requestId, offset: this.#offset[slot]! });
      else {
        requestIds.push(requestId);
        json.push(text);
        offsets.push(this.#offset[slot]!);
      }
    }
    return { requestIds, json, offsets, provisional, nextOffset, damaged: [] };
  }

  /** The final usage event of `requestId` if its record is held here (decoded from its bytes), else null. */
  find(requestId: string): UsageEvent | null {
    const hash = hashText(JSON.stringify(requestId).slice(1, -1));
    for (let index = this.#count - 1; index >= 0; index--) {
      const slot = this.#slot(index);
      if (this.#idHash[slot] !== hash || this.#provisional[slot] === 1) continue;
      const start = this.#start[slot]!;
      // Without its newline.
      const decoded = decodeSpoolRecord(this.#ring.toString('utf8', start, start + this.#length[slot]! - 1));
      if (decoded.ok && decoded.event.requestId === requestId) return decoded.event;
    }
    return null;
  }

  #slot(index: number): number {
    const slot = this.#first + index;
    return slot >= this.#segment.length ? slot - this.#segment.length : slot;
  }

  #letGoOldest(): void {
    this.#first = this.#slot(1);
    this.#count -= 1;
  }

  /**
   * Where a record of `length` bytes goes: after the newest, or at the ring's start when it does not fit
   * before the end; the oldest records are let go until it does not overlap them. Held bytes never end
   * exactly at the oldest's start, so `#write < oldest` always means they wrap round.
   */
  #room(length: number): number {
    for (;;) {
      if (this.#count === 0) return 0;
      const oldest = this.#start[this.#first]!;
      if (this.#write >= oldest) {
        if (this.#write + length <= this.#ring.length) return this.#write;
        if (length < oldest) return 0;
      } else if (this.#write + length < oldest) return this.#write;
      this.#letGoOldest();
    }
  }

  /** Where the request id's text starts in the record at `start`, or -1 for a record not of this process's shape. */
  #idStart(start: number, length: number): number {
    const from = start + spoolRecordJsonStart(this.#ring[start]!) + REQUEST_ID_PREFIX.length;
    if (from > start + length) return -1;
    for (let index = 0; index < REQUEST_ID_PREFIX.length; index++) {
      if (this.#ring[from - REQUEST_ID_PREFIX.length + index] !== REQUEST_ID_PREFIX[index]) return -1;
    }
    return from;
  }

  /**
   * Where the request id's text from `from` ends (its closing quote): positive when it is plain, negative
   * when it has an escape, -1 when it does not end. In the same pass, `#idCloseHash` becomes hashBytes of the text.
   */
  #idClose(from: number, end: number): number {
    const ring = this.#ring;
    let escaped = false;
    let hash = FNV_OFFSET;
    for (let at = from; at < end; at++) {
      const byte = ring[at]!;
      if (byte === QUOTE) {
        this.#idCloseHash = hash;
        return escaped ? -at : at;
      }
      hash = Math.imul(hash ^ byte, FNV_PRIME);
      if (byte === BACKSLASH && at + 1 < end) {
        escaped = true;
        at += 1;
        hash = Math.imul(hash ^ ring[at]!, FNV_PRIME);
      }
    }
    return -1;
  }

  /** The hash of the text #idClose last scanned. */
  #idCloseHash = 0;
}

/** FNV-1a over bytes. */
function hashBytes(bytes: Buffer, from: number, to: number): number {
  let hash = FNV_OFFSET;
  for (let at = from; at < to; at++) hash = Math.imul(hash ^ bytes[at]!, FNV_PRIME);
  return hash;
}

function hashText(text: string): number {
  const bytes = Buffer.from(text);
  return hashBytes(bytes, 0, bytes.length);
}
