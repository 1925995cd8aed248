// Verifies one signed snapshot message and materialises the state it describes: a full snapshot
// replaces the state, a delta must start from the version we hold. Either way the result must hash to
// the message's stateHash. Any failure throws SnapshotRejected; the caller then resyncs from a full one.
// The signature check, parse, validation and (for a full snapshot) the hash run in the parser, a worker
// thread in a serving data plane (snapshot-parser.ts). A delta costs the request loop in proportion to
// the delta, not to the state: its result's hash comes from the held hash's lanes plus the parser's hash
// of the entries it adds (hashChangedState, one entry hash here per entry removed or replaced),
// and only once it matches is the delta applied to the held state in place (applyChangesInPlace); a
// large delta is hashed and built beside the held state (applyLargeDeltaBeside), its API keys merged by
// the parser's thread when it offers to (mergeKeys), else here a step per turn.
import type { SnapshotSection } from '../../../shared/src/snapshot.ts';
import { applyLargeDeltaBeside, isLargeDelta, materialiseFullSnapshot, readParsedDelta } from './apply-parsed-snapshot.ts';
import { applyChangesInPlace, hashChangedState, type HeldState } from './held-state.ts';
import { mergeKeysInTurns } from './merge-keys.ts';
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
  state: HeldState;
  /** The verified message it came from (kept on disk, re-verified on load). */
  jws: SignedMessage;
}

/**
 * A compact JWS as text, or as its bytes (base64url and dots: one byte a character) when it came from
 * the snapshot feed's worker thread: a 30 MB string posted from a thread costs the receiving loop
 * hundreds of milliseconds to deserialise in one step, shared bytes cost nothing.
 */
export type SignedMessage = string | Uint8Array;

/** The signed message as text (for a parser in this thread: tests, the bench, the snapshot file's replay). */
export function signedText(jws: SignedMessage): string {
  return typeof jws === 'string' ? jws : Buffer.from(jws.buffer, jws.byteOffset, jws.byteLength).toString('latin1');
}

/** A snapshot message as the sync takes it in: its version and the signed message. */
export interface SignedSnapshotEnvelope {
  version: number;
  jws: SignedMessage;
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
      /**
       * The sections the delta changed; the others are the held state's own objects, whether the state
       * was changed in place or built beside (a large delta), so a view's indexes of them still hold.
       */
      changedSections: ReadonlySet<SnapshotSection> | null;
    };

export async function verifySnapshot(
  parser: SnapshotParser,
  envelope: SignedSnapshotEnvelope,
  current: MaterialisedSnapshot | null,
): Promise<VerifiedSnapshot> {
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
  const snapshot = { version: message.version, stateHash: message.stateHash, jws: envelope.jws };
  if (isLargeDelta(message)) {
    try {
      const built = await applyLargeDeltaBeside(current.state, current.lanes, message, parser.mergeKeys ?? mergeKeysInTurns);
      // A delta of API keys alone (the bench's 100k keys, a bulk import) leaves the indexed sections as
      // they were: the store keeps its view's indexes and decrypts no BYOK key again.
      const changedSections = new Set<SnapshotSection>();
      for (const [section, change] of Object.entries(message.changes)) if (change) changedSections.add(section as SnapshotSection);
      if (message.apiKeys !== null) changedSections.add('apiKeys');
      return { kind: 'delta', snapshot: { ...snapshot, ...built }, changedSections };
    } catch (error) {
      throw new SnapshotRejected(String(error));
    }
  }
  const changes = await readParsedDelta(message);
  // Hashed a slice per turn (a one-key delta takes none); the held state does not change meanwhile, since
  // messages are applied one at a time.
  const hash = await hashChangedState(current.lanes, current.state, changes, message.upsertedLanes);
  if (hash.digest() !== message.stateHash) {
    throw new SnapshotRejected(`snapshot ${message.version}: materialised state hash does not match the signed stateHash`);
  }
  // No await between the hash check and here: the held state changes in one step.
  const changedSections = applyChangesInPlace(current.state, changes);
  return { kind: 'delta', snapshot: { ...snapshot, lanes: hash.lanes, state: current.state }, changedSections };
}
