// Where each worker thread spools its usage: spool/ for the first (as a data plane of one thread does),
// spool-<i>/ for worker i.
import { join } from 'node:path';

export function workerSpoolDirectory(stateDir: string, index: number): string {
  return join(stateDir, index === 1 ? 'spool' : `spool-${index}`);
}
