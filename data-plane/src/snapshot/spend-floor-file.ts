// The spend floors on local disk (`<stateDir>/spend-floors.jws`), so a data plane restarted while the
// control plane is down still enforces credits and spend: the signed messages since the last
// checkpoint, one JWS a line. A checkpoint rewrites the file (temp file + rename), an update appends a
// line. Loading re-verifies every line and replays them in order; it stops at the first line that does
// not verify or follow (a torn append), keeping what came before. Writes run in order, off the request path.
import { appendFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { SnapshotVerifier } from '../../../shared/src/crypto.ts';
import type { SpendFloorMessage } from '../../../shared/src/spend-floors.ts';
import type { SpendFloorStore } from './spend-floor-store.ts';

export class SpendFloorFile {
  #path: string;
  #log: (line: string) => void;
  #writes: Promise<void> = Promise.resolve();

  constructor(path: string, log: (line: string) => void) {
    this.#path = path;
    this.#log = log;
  }

  /** Replays the stored messages into `store`; returns how many applied. */
  async load(verifier: SnapshotVerifier, store: SpendFloorStore): Promise<number> {
    let text: string;
    try {
      text = await readFile(this.#path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.#log(`spend floor file ${this.#path} unreadable: ${String(error)}`);
      return 0;
    }
    let applied = 0;
    for (const line of text.split('\n')) {
      if (line === '') continue;
      try {
        const message = await verifier.verify(line);
        if (message.kind !== 'spend-floors' || (applied === 0 && !message.checkpoint)) throw new Error('not a spend floor checkpoint and its updates');
        store.apply(message);
        applied += 1;
      } catch (error) {
        this.#log(`spend floor file ${this.#path}: line ${applied + 1} ignored, and what follows it: ${String(error)}`);
        // Lines appended after a bad one would never load: the next message must be a checkpoint, which rewrites the file.
        store.forgetPosition();
        break;
      }
    }
    return applied;
  }

  /** Stores a message that was just applied. */
  record(message: SpendFloorMessage, jws: string): void {
    this.#writes = this.#writes.then(async () => {
      try {
        await mkdir(dirname(this.#path), { recursive: true });
        if (message.checkpoint) {
          const temporary = `${this.#path}.tmp`;
          await writeFile(temporary, `${jws}\n`);
          await rename(temporary, this.#path);
        } else {
          await appendFile(this.#path, `${jws}\n`);
        }
      } catch (error) {
        this.#log(`could not save spend floors ${message.seq} to ${this.#path}: ${String(error)}`);
      }
    });
  }

  /** Resolves when every recorded message is written. */
  flush(): Promise<void> {
    return this.#writes;
  }
}
