// Verifies one signed snapshot message and materialises the state it describes: a full snapshot
// replaces the state, a delta must start from the version we hold. Either way the result must hash to
// the message's stateHash. Any failure throws SnapshotRejected; the caller then resyncs from a full one.
// Applying and hashing pause between slices, so requests keep being served on the old snapshot.
import type { SnapshotVerifier } from '../../../shared/src/crypto.ts';
import type { SnapshotEnvelope } from '../../../shared/src/data-plane-channel.ts';
import { applySnapshotChangesInSlices, hashSnapshotStateInSlices, type SnapshotMessage, type SnapshotState } from '../../../shared/src/snapshot.ts';

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
  stateJson: string[];
}

export async function verifySnapshot(verifier: SnapshotVerifier, envelope: SnapshotEnvelope, current: MaterialisedSnapshot | null): Promise<VerifiedSnapshot> {
  let message: SnapshotMessage;
  try {
    const verified = await verifier.verify(envelope.jws);
    if (verified.kind === 'spend-floors') throw new Error('a spend floor message in a snapshot envelope');
    message = verified;
  } catch (error) {
    throw new SnapshotRejected(`snapshot ${envelope.version}: bad signature or payload (${String(error)})`);
  }
  if (message.version !== envelope.version) {
    throw new SnapshotRejected(`envelope version ${envelope.version} does not match the signed version ${message.version}`);
  }
  let state: SnapshotState;
  if (message.kind === 'full') {
    state = message.state;
  } else {
    if (current === null || message.fromVersion !== current.version) {
      throw new SnapshotRejected(`delta ${message.fromVersion}→${message.version} does not apply to version ${current?.version ?? 'none'}`);
    }
    try {
      state = await applySnapshotChangesInSlices(current.state, message.changes);
    } catch (error) {
      throw new SnapshotRejected(`delta ${message.version} has an invalid entry (${String(error)})`);
    }
  }
  const { stateHash, stateJson } = await hashSnapshotStateInSlices(state);
  if (stateHash !== message.stateHash) {
    throw new SnapshotRejected(`snapshot ${message.version}: materialised state hash does not match the signed stateHash`);
  }
  return { snapshot: { version: message.version, stateHash, state, jws: envelope.jws }, stateJson };
}
