// The last good snapshot on local disk (`<stateDir>/snapshot.json`): the materialised state plus the
// signed message it was verified against, so the data plane serves while the control plane is down.
// Loading re-verifies: the signature of the stored message, and that the stored state hashes to the
// message's stateHash. Saving is async (temp file + rename) and coalesced: only the newest is written;
// the state is written as the canonical JSON already produced to hash it, not serialised again.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { SnapshotVerifier } from '../../../shared/src/crypto.ts';
import { hashSnapshotState, snapshotStateSchema } from '../../../shared/src/snapshot.ts';
import type { MaterialisedSnapshot } from './verify-snapshot.ts';

interface SnapshotFile {
  version: number;
  jws: string;
  state: unknown;
}

/** The stored snapshot, or null when there is none or it fails verification (reported through `log`). */
export async function loadSnapshotFile(path: string, verifier: SnapshotVerifier, log: (line: string) => void): Promise<MaterialisedSnapshot | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') log(`snapshot file ${path} unreadable: ${String(error)}`);
    return null;
  }
  try {
    const file = JSON.parse(text) as SnapshotFile;
    const message = await verifier.verify(file.jws);
    if (message.kind === 'spend-floors') throw new Error('the stored message is not a snapshot');
    const state = snapshotStateSchema.parse(file.state);
    const stateHash = hashSnapshotState(state);
    if (message.version !== file.version || stateHash !== message.stateHash) {
      log(`snapshot file ${path} does not match its signed message; ignoring it`);
      return null;
    }
    return { version: message.version, stateHash, state, jws: file.jws };
  } catch (error) {
    log(`snapshot file ${path} failed verification; ignoring it: ${String(error)}`);
    return null;
  }
}

export class SnapshotFileWriter {
  #path: string;
  #log: (line: string) => void;
  #next: { snapshot: MaterialisedSnapshot; stateJson: ReadonlyArray<string | Uint8Array> } | null = null;
  #writing: Promise<void> | null = null;

  constructor(path: string, log: (line: string) => void) {
    this.#path = path;
    this.#log = log;
  }

  /** `stateJson`: the state's canonical JSON, in pieces (see verifySnapshot). */
  save(snapshot: MaterialisedSnapshot, stateJson: ReadonlyArray<string | Uint8Array>): void {
    this.#next = { snapshot, stateJson };
    this.#writing ??= this.#drain().finally(() => {
      this.#writing = null;
    });
  }

  /** Resolves when the newest snapshot handed to save() is on disk. */
  async flush(): Promise<void> {
    while (this.#writing !== null) await this.#writing;
  }

  async #drain(): Promise<void> {
    while (this.#next !== null) {
      const { snapshot, stateJson } = this.#next;
      this.#next = null;
      try {
        await mkdir(dirname(this.#path), { recursive: true });
        const temporary = `${this.#path}.tmp`;
        // The SnapshotFile shape around the state's JSON, written piece by piece so no step holds
        // the event loop for the whole file.
        await writeFile(temporary, [`{"version":${snapshot.version},"jws":`, JSON.stringify(snapshot.jws), ',"state":', ...stateJson, '}']);
        await rename(temporary, this.#path);
      } catch (error) {
        this.#log(`could not save snapshot ${snapshot.version} to ${this.#path}: ${String(error)}`);
      }
    }
  }
}
