// How far the shipper got: the segment and byte offset after the last record the control plane
// accepted. Written by temp file + rename, so it is either the old or the new position; a lost or
// unreadable cursor only means records are sent again, which the idempotent ingest absorbs.
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface SpoolCursor {
  segment: number;
  offset: number;
}

const CURSOR_FILE = 'cursor.json';

export async function loadCursor(directory: string): Promise<SpoolCursor> {
  try {
    const parsed = JSON.parse(await readFile(join(directory, CURSOR_FILE), 'utf8')) as Partial<SpoolCursor>;
    if (Number.isSafeInteger(parsed.segment) && Number.isSafeInteger(parsed.offset)) {
      return { segment: parsed.segment as number, offset: parsed.offset as number };
    }
  } catch {
    // no cursor yet (or unreadable): start from the oldest segment
  }
  return { segment: 0, offset: 0 };
}

export async function saveCursor(directory: string, cursor: SpoolCursor): Promise<void> {
  const temporary = join(directory, `${CURSOR_FILE}.tmp`);
  await writeFile(temporary, JSON.stringify(cursor));
  await rename(temporary, join(directory, CURSOR_FILE));
}
