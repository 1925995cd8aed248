// The snapshot file's writes (load-snapshot.ts SnapshotFileWriter), made with synchronous calls on the
// thread that runs them: in a data plane the snapshot feed's worker thread (snapshot-feed.ts, nice 19).
// Made with fs/promises on the request loop, the 60 MB a 100k-key swap writes went a MiB per write to
// libuv's thread pool, whose threads run at the request loop's priority on its core, and cost the loop
// a promise per piece.
import { closeSync, mkdirSync, openSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** What one write puts on disk: `pieces` replace the state file at `path` (and empty the deltas log beside it), or are appended to that log. */
export interface SnapshotFileWrite {
  path: string;
  mode: 'replace' | 'append';
  pieces: ReadonlyArray<string | Uint8Array>;
}

/** Runs a write (in order, one at a time) and resolves once it is on disk. */
export type WriteSnapshotFile = (write: SnapshotFileWrite) => Promise<void>;

/** The deltas log beside a snapshot file. */
export function deltasPath(snapshotPath: string): string {
  return join(dirname(snapshotPath), 'snapshot-deltas.jws');
}

function writePieces(file: string, flag: 'w' | 'a', pieces: SnapshotFileWrite['pieces']): void {
  const fd = openSync(file, flag);
  try {
    for (const piece of pieces) {
      const bytes = typeof piece === 'string' ? Buffer.from(piece) : piece;
      for (let at = 0; at < bytes.byteLength;) at += writeSync(fd, bytes, at);
    }
  } finally {
    closeSync(fd);
  }
}

/** Blocks the calling thread until the write is on disk. */
export function writeSnapshotFileSync({ path, mode, pieces }: SnapshotFileWrite): void {
  mkdirSync(dirname(path), { recursive: true });
  if (mode === 'append') return writePieces(deltasPath(path), 'a', pieces);
  const temporary = `${path}.tmp`;
  writePieces(temporary, 'w', pieces);
  renameSync(temporary, path);
  writeFileSync(deltasPath(path), '');
}
