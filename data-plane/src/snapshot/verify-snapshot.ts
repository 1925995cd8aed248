// Verifies one signed snapshot message and materialises the state it describes: a full snapshot
// replaces the state, a delta must start from the version we hold. Either way the result must hash to
// the message's stateHash. Any failure throws SnapshotRejected; the caller then resyncs from a full one.
// The signature check, parse, validation and (for a full snapshot) the hash run in the parser, a worker
// thread in a serving data plane (snapshot-parser.ts); here the entries are built and a delta's result
// hashed a slice per event-loop turn, so requests keep being served on the old snapshot meanwhile.
import type { SnapshotEnvelope } from '../../../shared/src/data-plane-channel.ts';
import { hashSnapshotStateInSlices, type SnapshotState } from '../../../shared/src/snapshot.ts';
import { applyParsedDelta, materialiseFullSnapshot } from './apply-parsed-snapshot.ts';
import type { ParsedSnapshotMessage } from './parse-snapshot-message.ts';
import type { SnapshotParser } from './snapshot-parser.ts';

export class SnapshotRejected extends Error {
  override name = 'SnapshotRejected';
}

export interface MaterialisedSnapshot {
  version: number;
  stateHash: string;
  state: SnapshotState;
  /** The verified message it came from (kept on disk, re-verified on load). */
  jws: string;
}

export interface VerifiedSnapshot {
  snapshot: MaterialisedSnapshot;
  /** The state's canonical JSON in pieces, as hashed: what the snapshot file stores, so it is not serialised twice. */
  stateJson: ReadonlyArray<string | Uint8Array>;
}

export async function verifySnapshot(parser: SnapshotParser, envelope: SnapshotEnvelope, current: MaterialisedSnapshot | null): Promise<VerifiedSnapshot> {
  let message: ParsedSnapshotMessage;
  try {
    message = await parser.parse(envelope.jws);
  } catch (error) {
    throw new SnapshotRejected(`snapshot ${envelope.version}: bad signature, payload or entry (${String(error)})`);
  }
  if (message.version !== envelope.version) {
    throw new SnapshotRejected(`envelope version ${envelope.version} does not match the signed version ${message.version}`);
  }
  if (message.kind === 'full') {
    const state = await materialiseFullSnapshot(message);
    return { snapshot: { version: message.version, stateHash: message.stateHash, state, jws: envelope.jws }, stateJson: message.stateJson };
  }
  if (current === null || message.fromVersion !== current.version) {
    throw new SnapshotRejected(`delta ${message.fromVersion}→${message.version} does not apply to version ${current?.version ?? 'none'}`);
  }
  const state = await applyParsedDelta(current.state, message.changes);
  const { stateHash, stateJson } = await hashSnapshotStateInSlices(state);
  if (stateHash !== message.stateHash) {
    throw new SnapshotRejected(`snapshot ${message.version}: materialised state hash does not match the signed stateHash`);
  }
  return { snapshot: { version: message.version, stateHash, state, jws: envelope.jws }, stateJson };
}
