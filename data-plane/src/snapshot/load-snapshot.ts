// The last good snapshot on local disk, so the data plane serves while the control plane is down:
// `<stateDir>/snapshot.json` holds a materialised state plus the signed message it was verified against
// (for a full snapshot in parts, the last part's: it signs the version and the whole state's hash),
// and `snapshot-deltas.jws` the delta envelopes applied since, one JSON envelope a line. A delta appends
// one line (writing the whole state for every key created or revoked would cost in proportion to the
// state); a full snapshot, or a delta whose line would make the log outweigh the state file, rewrite
// snapshot.json and empty the log. Loading re-verifies everything: the stored message's signature, that the stored state
// hashes to its stateHash, and each logged delta as if it had just arrived (signature, version chain,
// hash of the result); the first that does not follow ends the replay. Writes are async and in order.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { SnapshotVerifier } from '../../../shared/src/crypto.ts';
import { snapshotEnvelopeSchema } from '../../../shared/src/data-plane-channel.ts';
import { hashSnapshotStateWithJson, snapshotStateSchema } from '../../../shared/src/snapshot.ts';
import { holdState } from './held-state.ts';
import { parseSnapshotMessage } from './parse-snapshot-message.ts';
import { signedText, verifySnapshot, type MaterialisedSnapshot, type SignedMessage } from './verify-snapshot.ts';

interface SnapshotFile {
  version: number;
  jws: string;
  state: unknown;
}

/** The deltas log beside a snapshot file. */
function deltasPath(snapshotPath: string): string {
  return join(dirname(snapshotPath), 'snapshot-deltas.jws');
}

/** Characters of a JWS per piece written. */
const JWS_PIECE = 1 << 20;

/**
 * `head`, the JWS, `middle`, the state's pieces and `tail`, encoded one piece at a time as the file
 * takes them. A compact JWS is base64url and dots: nothing JSON escapes, one byte a character, so it
 * is written as its bytes (or, held as text, copied out as latin1) a MiB at a time, never stringified,
 * joined into a line or encoded whole (a 100k-key delta's JWS is 30 MB: tens of milliseconds of the
 * request loop in one step).
 */
function* pieces(head: string, jws: SignedMessage, middle: string, state: ReadonlyArray<string | Uint8Array>, tail: string): Generator<string | Uint8Array> {
  yield head;
  for (let at = 0; at < jws.length; at += JWS_PIECE) {
    yield typeof jws === 'string' ? Buffer.from(jws.slice(at, at + JWS_PIECE), 'latin1') : jws.subarray(at, at + JWS_PIECE);
  }
  yield middle;
  yield* state;
  yield tail;
}

/** Below this, a deltas log is never worth a rewrite of the state file. */
const MIN_COMPACTION_BYTES = 64 * 1024;

export interface LoadedSnapshot {
  snapshot: MaterialisedSnapshot;
  /** Sizes on disk, so the writer knows when the log outweighs the state file. */
  fileBytes: number;
  deltaBytes: number;
}

/** The stored snapshot with its logged deltas applied, or null when there is none or it fails verification (reported through `log`). */
export async function loadSnapshotFile(path: string, verifier: SnapshotVerifier, log: (line: string) => void): Promise<LoadedSnapshot | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') log(`snapshot file ${path} unreadable: ${String(error)}`);
    return null;
  }
  let snapshot: MaterialisedSnapshot;
  try {
    const file = JSON.parse(text) as SnapshotFile;
    const message = await verifier.verify(file.jws);
    if (message.kind === 'spend-floors') throw new Error('the stored message is not a snapshot');
    const state = snapshotStateSchema.parse(file.state);
    const { stateHash, lanes } = hashSnapshotStateWithJson(state);
    if (message.version !== file.version || stateHash !== message.stateHash) {
      log(`snapshot file ${path} does not match its signed message; ignoring it`);
      return null;
    }
    snapshot = { version: message.version, stateHash, lanes, state: holdState(state), jws: file.jws };
  } catch (error) {
    log(`snapshot file ${path} failed verification; ignoring it: ${String(error)}`);
    return null;
  }
  const lines = await readFile(deltasPath(path), 'utf8').catch(() => '');
  const parser = { parse: (jws: SignedMessage) => parseSnapshotMessage(verifier, signedText(jws)), close: async () => {} };
  for (const line of lines.split('\n')) {
    if (line === '') continue;
    try {
      const envelope = snapshotEnvelopeSchema.parse(JSON.parse(line));
      // Left over from before the state file was last rewritten (a crash before the log was emptied).
      if (envelope.version <= snapshot.version) continue;
      snapshot = (await verifySnapshot(parser, envelope, snapshot)).snapshot;
    } catch (error) {
      log(`snapshot deltas log stops at version ${snapshot.version}: ${String(error)}`);
      break;
    }
  }
  return { snapshot, fileBytes: Buffer.byteLength(text), deltaBytes: Buffer.byteLength(lines) };
}

export class SnapshotFileWriter {
  #path: string;
  #log: (line: string) => void;
  #writes: Promise<void> = Promise.resolve();
  #fileBytes: number;
  #deltaBytes: number;

  constructor(path: string, log: (line: string) => void, onDisk: { fileBytes: number; deltaBytes: number } = { fileBytes: 0, deltaBytes: 0 }) {
    this.#path = path;
    this.#log = log;
    this.#fileBytes = onDisk.fileBytes;
    this.#deltaBytes = onDisk.deltaBytes;
  }

  /** Writes the whole state (`stateJson`: its JSON in pieces, see verifySnapshot) and empties the deltas log. */
  save(snapshot: MaterialisedSnapshot, stateJson: ReadonlyArray<string | Uint8Array>): void {
    const head = `{"version":${snapshot.version},"jws":"`;
    const middle = '","state":';
    const bytes = stateJson.reduce((sum, piece) => sum + (typeof piece === 'string' ? Buffer.byteLength(piece) : piece.byteLength), 1);
    this.#fileBytes = head.length + snapshot.jws.length + middle.length + bytes;
    this.#deltaBytes = 0;
    this.#enqueue(snapshot.version, async () => {
      await mkdir(dirname(this.#path), { recursive: true });
      const temporary = `${this.#path}.tmp`;
      // Written piece by piece, so no step holds the event loop for the whole file.
      await writeFile(temporary, pieces(head, snapshot.jws, middle, stateJson, '}'));
      await rename(temporary, this.#path);
      await writeFile(deltasPath(this.#path), '');
    });
  }

  /** Appends a delta's envelope to the log. */
  append(snapshot: MaterialisedSnapshot): void {
    const head = `{"version":${snapshot.version},"jws":"`;
    const tail = '"}\n';
    this.#deltaBytes += head.length + snapshot.jws.length + tail.length;
    this.#enqueue(snapshot.version, async () => {
      await mkdir(dirname(this.#path), { recursive: true });
      await writeFile(deltasPath(this.#path), pieces(head, snapshot.jws, tail, [], ''), { flag: 'a' });
    });
  }

  /**
   * Whether the log with this delta's line would outweigh the state file: the caller should save() the
   * whole state instead of appending (the line would be written only for the log to be emptied after: a
   * 100k-key delta's 30 MB, a MiB per write on libuv's pool, at the request loop's priority on its core).
   */
  outweighedBy(snapshot: MaterialisedSnapshot): boolean {
    const line = `{"version":${snapshot.version},"jws":"`.length + snapshot.jws.length + '"}\n'.length;
    return this.#deltaBytes + line > Math.max(MIN_COMPACTION_BYTES, this.#fileBytes);
  }

  /** Resolves when everything handed to save() and append() is on disk. */
  async flush(): Promise<void> {
    await this.#writes;
  }

  #enqueue(version: number, write: () => Promise<void>): void {
    this.#writes = this.#writes.then(write).catch((error: unknown) => this.#log(`could not save snapshot ${version} to ${this.#path}: ${String(error)}`));
  }
}
