// One usage event as one line of a spool segment: `<crc32 of the JSON, 8 hex digits> <JSON>\n`. JSON
// never contains a raw newline, so the newline frames the record and the checksum tells a whole record
// from a torn or damaged one. A provisional record (a stream's, written as it starts; see ship-usage.ts)
// is the same line behind `p `. Pure: no I/O.
import { crc32 } from 'node:zlib';
import { boundUsageEvent, unboundedUsageEventSchema, type UsageEvent } from '../../../shared/src/usage-event.ts';
import { usageEventJsonBound, writeUsageEventJson } from './usage-event-json.ts';

export type DecodedSpoolRecord = { ok: true; event: UsageEvent; provisional: boolean } | { ok: false; reason: string };

const CHECKSUM_DIGITS = 8;
const PROVISIONAL = 'p ';
const PROVISIONAL_BYTE = PROVISIONAL.charCodeAt(0);
const HEX_DIGITS = Buffer.from('0123456789abcdef', 'latin1');
const SPACE = 0x20;
const NEWLINE = 0x0a;
/** Where encodeSpoolRecord writes a record before its copy; one event fits unless its strings are far past the bounded lengths. */
let scratch = Buffer.allocUnsafeSlow(16 * 1024);

/** At least the bytes the event's record takes (room encodeSpoolRecordInto needs). */
export function spoolRecordBound(event: UsageEvent, provisional = false): number {
  return (provisional ? PROVISIONAL.length : 0) + CHECKSUM_DIGITS + 1 + usageEventJsonBound(event) + 1;
}

/** The event's record, as bytes of its own. */
export function encodeSpoolRecord(event: UsageEvent, provisional = false): Buffer {
  const bound = spoolRecordBound(event, provisional);
  if (bound > scratch.length) scratch = Buffer.allocUnsafeSlow(bound);
  const end = encodeSpoolRecordInto(event, provisional, scratch, 0);
  return Buffer.from(scratch.subarray(0, end));
}

/**
 * Writes the event's record into `out` at `at`, which has room for spoolRecordBound bytes; returns where
 * it ends. The spool encodes straight into the buffer its group write takes (usage-spool.ts).
 */
export function encodeSpoolRecordInto(event: UsageEvent, provisional: boolean, out: Buffer, at: number): number {
  let start = at;
  if (provisional) {
    out[at] = PROVISIONAL_BYTE;
    out[at + 1] = SPACE;
    start += PROVISIONAL.length;
  }
  const jsonEnd = writeUsageEventJson(event, out, start + CHECKSUM_DIGITS + 1);
  return frameRecord(out, start, jsonEnd);
}

// The memory of the buffer records were last framed in (nearly always the spool's own), kept so the JSON's
// view for crc32 is made from it: `record.subarray` is a named load on a Buffer and Node's subarray three
// more (`this.length`, `.buffer`, `.byteOffset`), each a generic LoadIC call in code V8 11 optimised off the
// main thread (Node 20's default; docs/architecture.md, Where the time goes).
let framed: Uint8Array | null = null;
let framedMemory: ArrayBufferLike = new ArrayBuffer(0);
let framedOffset = 0;

/** Writes the checksum at `start`, its space, and the newline at `jsonEnd` around the JSON from `start` + 9; returns the record's end. */
function frameRecord(record: Buffer, start: number, jsonEnd: number): number {
  const jsonStart = start + CHECKSUM_DIGITS + 1;
  if (record !== framed) {
    framed = record;
    framedMemory = record.buffer;
    framedOffset = record.byteOffset;
  }
  let checksum = crc32(new Uint8Array(framedMemory, framedOffset + jsonStart, jsonEnd - jsonStart));
  for (let index = jsonStart - 2; index >= start; index -= 1) {
    record[index] = HEX_DIGITS[checksum & 0xf]!;
    checksum >>>= 4;
  }
  record[jsonStart - 1] = SPACE;
  record[jsonEnd] = NEWLINE;
  return jsonEnd + 1;
}

/** Decodes one line (without its newline). */
export function decodeSpoolRecord(record: string): DecodedSpoolRecord {
  const provisional = record.startsWith(PROVISIONAL);
  const line = provisional ? record.slice(PROVISIONAL.length) : record;
  let json: string;
  if (line.startsWith('{')) {
    // A line written before records carried a checksum: only the schema can vouch for it.
    json = line;
  } else {
    if (line.length <= CHECKSUM_DIGITS + 1 || line[CHECKSUM_DIGITS] !== ' ') return { ok: false, reason: 'not a spool record' };
    json = line.slice(CHECKSUM_DIGITS + 1);
    if (checksumOf(json) !== line.slice(0, CHECKSUM_DIGITS)) return { ok: false, reason: 'checksum mismatch' };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  // Bounded, not refused: a record spooled before events were bounded (a NUL, 3e9 tokens) is still billed.
  const checked = unboundedUsageEventSchema.safeParse(parsed);
  return checked.success ? { ok: true, event: boundUsageEvent(checked.data), provisional } : { ok: false, reason: 'not a usage event' };
}

/** Whether a record written by encodeSpoolRecord whose first byte is `firstByte` is provisional. */
export function isProvisionalRecord(firstByte: number): boolean {
  return firstByte === PROVISIONAL_BYTE;
}

/** Where the JSON starts in a record written by encodeSpoolRecord whose first byte is `firstByte`. */
export function spoolRecordJsonStart(firstByte: number): number {
  return (firstByte === PROVISIONAL_BYTE ? PROVISIONAL.length : 0) + CHECKSUM_DIGITS + 1;
}

/** The record encodeSpoolRecord writes for an event whose JSON is `json` (a final record). */
export function spoolRecordOfJson(json: Uint8Array): Buffer {
  const record = Buffer.allocUnsafe(CHECKSUM_DIGITS + 1 + json.byteLength + 1);
  record.set(json, CHECKSUM_DIGITS + 1);
  frameRecord(record, 0, record.length - 1);
  return record;
}

function checksumOf(json: string): string {
  return crc32(json).toString(16).padStart(CHECKSUM_DIGITS, '0');
}
