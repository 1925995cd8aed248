// On start, the segment a crash may have interrupted is cut back to its last whole record: a torn line
// (a write the crash cut short) and records failing their checksum after the last good one are copied
// to the quarantine folder, reported, and truncated away, so new records follow good ones. Damaged
// records *between* good ones stay where they are; the shipper quarantines them as it passes. A shipper
// cursor already past the cut (it had passed over those records) is moved back to it, so it points at
// the start of the next record written there, not into its middle.
import { readFile, truncate } from 'node:fs/promises';
import { loadSpoolPosition, saveCursor, type SpoolCursor } from './spool-cursor.ts';
import { decodeSpoolRecord } from './spool-record.ts';
import { quarantineSpoolBytes } from './quarantine-spool-bytes.ts';

export interface TailRecovery {
  /** Bytes cut off the end (0 when the segment ended in a good record). */
  removedBytes: number;
  /** Where the cut bytes were copied, or null when nothing was cut. */
  quarantinedTo: string | null;
}

/** The offset just past the last record that decodes, in a segment's bytes. */
export function endOfLastGoodRecord(content: Buffer): number {
  let goodEnd = 0;
  let position = 0;
  for (;;) {
    const newline = content.indexOf(0x0a, position);
    if (newline === -1) return goodEnd;
    if (decodeSpoolRecord(content.toString('utf8', position, newline)).ok) goodEnd = newline + 1;
    position = newline + 1;
  }
}

export async function recoverSpoolTail(spoolDirectory: string, segment: number, path: string): Promise<TailRecovery> {
  const content = await readFile(path);
  const goodEnd = endOfLastGoodRecord(content);
  if (goodEnd === content.length) return { removedBytes: 0, quarantinedTo: null };
  const quarantinedTo = await quarantineSpoolBytes(spoolDirectory, segment, goodEnd, content.subarray(goodEnd));
  await truncate(path, goodEnd);
  const { cursor, openFrom } = await loadSpoolPosition(spoolDirectory);
  const clamp = (position: SpoolCursor) => (position.segment === segment && position.offset > goodEnd ? { segment, offset: goodEnd } : position);
  if (clamp(cursor) !== cursor || (openFrom !== null && clamp(openFrom) !== openFrom)) {
    await saveCursor(spoolDirectory, clamp(cursor), openFrom === null ? null : clamp(openFrom));
  }
  return { removedBytes: content.length - goodEnd, quarantinedTo };
}
