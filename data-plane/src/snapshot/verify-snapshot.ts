// Verifies one signed snapshot message and materialises the state it describes: a full snapshot
// replaces the state, a delta must start from the version we hold. Either way the result must hash to
// the message's stateHash. Any failure throws SnapshotRejected; the caller then resyncs from a full one.
// The signature check, parse, validation and (for a full snapshot) the hash run in the parser, a worker
// thread in a serving data plane (snapshot-parser.ts). A delta costs the request loop in proportion to
// the delta, not to the state: its result's hash comes from the held hash's lanes plus the parser's hash
// of the entries it adds (updateStateHashInSlices, one entry hash here per entry removed or replaced), and only once it matches is the delta applied to the
// held state in place (applyChangesInPlace); a large delta is hashed a slice per turn and built beside
// the held state (applyChangesBeside).
import type { SnapshotEnvelope } from '../../../shared/src/data-plane-channel.ts';
import { applyChangesInPlace, countSnapshotChanges, updateStateHashInSlices, type SnapshotSection, type SnapshotState } from '../../../shared/src/snapshot.ts';
import { applyChangesBeside, IN_PLACE_MAX_ENTRIES, materialiseFullSnapshot, readParsedDelta } from './apply-parsed-snapshot.ts';
import type { ParsedSnapshotMessage } from './parse-snapshot-message.ts';
import type { SnapshotParser } from './snapshot-parser.ts';

export class SnapshotRejected extends Error {
  override name = 'SnapshotRejected';
}

export interface MaterialisedSnapshot {
  version: number;
  stateHash: string;
  /** The lanes stateHash is the digest of (shared/src/state-hash.ts), for hashing the next delta's result. */
  lanes: Uint16Array;
  state: SnapshotState;
  /** The verified message it came from (kept on disk, re-verified on load). */
  jws: string;
}

export type VerifiedSnapshot =
  | {
      kind: 'full';
      snapshot: MaterialisedSnapshot;
      /** The state's canonical JSON in pieces, as hashed: what the snapshot file stores, so it is not serialised twice. */
      stateJson: ReadonlyArray<string | Uint8Array>;
    }
  | {
      kind: 'delta';
      snapshot: MaterialisedSnapshot;
      /** The sections changed when the state is the one held before, changed in place; null for a new state. */
      changedSections: ReadonlySet<SnapshotSection> | null;
    };

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
  if (message.kind === 'part') {
    throw new SnapshotRejected(`snapshot ${message.version}: part ${message.index + 1} of ${message.count} on its own (the feed puts parts together)`);
  }
  if (message.kind === 'full') {
    const state = await materialiseFullSnapshot(message);
    return {
      kind: 'full',
      snapshot: { version: message.version, stateHash: message.stateHash, lanes: message.lanes, state, jws: envelope.jws },
      stateJson: message.stateJson,
    };
  }
  if (current === null || message.fromVersion !== current.version) {
    throw new SnapshotRejected(`delta ${message.fromVersion}→${message.version} does not apply to version ${current?.version ?? 'none'}`);
  }
  const changes = await readParsedDelta(message.changes);
  // Hashed a slice per turn (a one-key delta takes none); the held state does not change meanwhile, since
  // messages are applied one at a time.
  const hash = await updateStateHashInSlices(current.lanes, current.state, changes, message.upsertedLanes);
  if (hash.digest() !== message.stateHash) {
    throw new SnapshotRejected(`snapshot ${message.version}: materialised state hash does not match the signed stateHash`);
  }
  const snapshot = { version: message.version, stateHash: message.stateHash, lanes: hash.lanes, jws: envelope.jws };
  if (countSnapshotChanges(changes) > IN_PLACE_MAX_ENTRIES)
    return { kind: 'delta', snapshot: { ...snapshot, state: await applyChangesBeside(current.state, changes) }, changedSections: null };
  // No await between the hash check and here: the held state changes in one step.
  const changedSections = applyChangesInPlace(current.state, changes);
  return { kind: 'delta', snapshot: { ...snapshot, state: current.state }, changedSections };
}
