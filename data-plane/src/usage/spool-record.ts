// One usage event as one line of a spool segment: `<crc32 of the JSON, 8 hex digits> <JSON>\n`. JSON
// never contains a raw newline, so the newline frames the record and the checksum tells a whole record
// from a torn or damaged one. A provisional record (a stream's, written as it starts; see ship-usage.ts)
// is the same line behind `p `. Pure: no I/O.
import { crc32 } from 'node:zlib';
import { boundUsageEvent, unboundedUsageEventSchema, type UsageEvent } from '../../../shared/src/usage-event.ts';
import { usageEventJson } from './usage-event-json.ts';

export type DecodedSpoolRecord = { ok: true; event: UsageEvent; provisional: boolean } | { ok: false; reason: string };

const CHECKSUM_DIGITS = 8;
const PROVISIONAL = 'p ';
const PROVISIONAL_BYTE = PROVISIONAL.charCodeAt(0);

export function encodeSpoolRecord(event: UsageEvent, provisional = false): string {
  return recordLine(usageEventJson(event), provisional);
}

function recordLine(json: string, provisional: boolean): string {
  return `${provisional ? PROVISIONAL : ''}${checksumOf(json)} ${json}\n`;
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

/** Where the JSON starts in a record written by encodeSpoolRecord whose first byte is `firstByte`. */
export function spoolRecordJsonStart(firstByte: number): number {
  return (firstByte === PROVISIONAL_BYTE ? PROVISIONAL.length : 0) + CHECKSUM_DIGITS + 1;
}

/** The record encodeSpoolRecord writes for an event whose JSON is `json` (a final record). */
export function spoolRecordOfJson(json: Uint8Array): Buffer {
  return Buffer.from(recordLine(Buffer.from(json.buffer, json.byteOffset, json.byteLength).toString('utf8'), false));
}

function checksumOf(json: string): string {
  return crc32(json).toString(16).padStart(CHECKSUM_DIGITS, '0');
}
