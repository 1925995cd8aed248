// How far the shipper got: the segment and byte offset after the last record the control plane
// accepted, and where the oldest provisional record still waiting for its final one lies (`openFrom`,
// see ship-usage.ts; absent when none waits). Written by temp file + rename, so it is either the old or
// the new position; a lost or unreadable cursor only means records are sent again, which the
// idempotent ingest absorbs.
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface SpoolCursor {
  segment: number;
  offset: number;
}

export interface SpoolPosition {
  cursor: SpoolCursor;
  /** The oldest provisional record not yet followed by its final one, or null. */
  openFrom: SpoolCursor | null;
}

const CURSOR_FILE = 'cursor.json';

function isCursor(value: Partial<SpoolCursor> | null | undefined): value is SpoolCursor {
  return value !== null && value !== undefined && Number.isSafeInteger(value.segment) && Number.isSafeInteger(value.offset);
}

export async function loadSpoolPosition(directory: string): Promise<SpoolPosition> {
  try {
    const parsed = JSON.parse(await readFile(join(directory, CURSOR_FILE), 'utf8')) as Partial<SpoolCursor> & { openFrom?: Partial<SpoolCursor> | null };
    const { openFrom } = parsed;
    if (isCursor(parsed)) {
      return {
        cursor: { segment: parsed.segment, offset: parsed.offset },
        openFrom: isCursor(openFrom) ? { segment: openFrom.segment, offset: openFrom.offset } : null,
      };
    }
  } catch {
    // no cursor yet (or unreadable): start from the oldest segment
  }
  return { cursor: { segment: 0, offset: 0 }, openFrom: null };
}

export async function loadCursor(directory: string): Promise<SpoolCursor> {
  return (await loadSpoolPosition(directory)).cursor;
}

export async function saveCursor(directory: string, cursor: SpoolCursor, openFrom: SpoolCursor | null = null): Promise<void> {
  const temporary = join(directory, `${CURSOR_FILE}.tmp`);
  await writeFile(temporary, JSON.stringify(openFrom === null ? cursor : { ...cursor, openFrom }));
  await rename(temporary, join(directory, CURSOR_FILE));
}
