// Damaged spool bytes are copied aside, never just dropped: `<spool>/quarantine/usage-<segment>-<offset>.bad`
// holds them for an operator, and the spool and the shipper carry on past them. Named by position, so
// copying the same bytes twice (a shipper re-reading after a crash) leaves one file.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const QUARANTINE_FOLDER = 'quarantine';

/** Writes `bytes` (found at `offset` of `segment`) into the quarantine folder; returns the file's path. */
export async function quarantineSpoolBytes(spoolDirectory: string, segment: number, offset: number, bytes: Uint8Array): Promise<string> {
  const folder = join(spoolDirectory, QUARANTINE_FOLDER);
  await mkdir(folder, { recursive: true });
  const path = join(folder, `usage-${String(segment).padStart(12, '0')}-${offset}.bad`);
  await writeFile(path, bytes);
  return path;
}
