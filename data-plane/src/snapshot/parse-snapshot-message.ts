// The heavy half of taking in a snapshot message, written to run in a worker thread
// (snapshot-parser.ts): check the signature, decode and parse the payload, validate every entry, and for
// a full snapshot hash the state; for a delta hash the entries it adds (its result's hash is the held
// state's plus those, less the entries it removes or replaces, which only the request loop holds:
// verify-snapshot.ts). What comes back is the entries as JSON text in chunks of CHUNK_ENTRIES,
// already validated, which the request loop parses one chunk per turn (apply-parsed-snapshot.ts): a
// 100k-key message never costs it one long JSON.parse, schema check or hash.
import type { SnapshotVerifier } from '../../../shared/src/crypto.ts';
import {
  hashSnapshotStateWithJson,
  hashUpsertedEntries,
  sectionItemSchemas,
  snapshotSections,
  type SnapshotDelta,
  type SnapshotSection,
  type SnapshotState,
} from '../../../shared/src/snapshot.ts';

/** About a millisecond of JSON.parse on the request loop per chunk. */
const CHUNK_ENTRIES = 500;

/**
 * UTF-8 JSON of `[id, entry][]`, entries valid for their section. Bytes, not strings, so a worker hands
 * them over by transferring their buffers instead of the request loop copying them in one go.
 */
export type EntryChunks = Uint8Array[];

const encoder = new TextEncoder();

export type ParsedSnapshotMessage =
  | {
      kind: 'full';
      version: number;
      /** Checked: the state hashes to the signed stateHash. */
      stateHash: string;
      /** That hash's lanes, from which later deltas are hashed (shared/src/state-hash.ts). */
      lanes: Uint16Array;
      sections: Record<SnapshotSection, EntryChunks>;
      /** The state's canonical JSON in pieces, UTF-8 (what the snapshot file stores). */
      stateJson: Uint8Array[];
    }
  | {
      kind: 'delta';
      fromVersion: number;
      version: number;
      /** The signed hash of the state after the delta; the caller checks it once applied. */
      stateHash: string;
      changes: Partial<Record<SnapshotSection, { upsert: EntryChunks; remove: string[] }>>;
      /** The state hash's lanes of the upserted entries alone (hashUpsertedEntries), so the request loop hashes only what it removes or replaces. */
      upsertedLanes: Uint16Array;
    };

function chunked(entries: Array<[string, unknown]>): EntryChunks {
  const chunks: EntryChunks = [];
  for (let start = 0; start < entries.length; start += CHUNK_ENTRIES) chunks.push(encoder.encode(JSON.stringify(entries.slice(start, start + CHUNK_ENTRIES))));
  return chunks;
}

/** Throws on a bad signature, a message that is not a snapshot, an invalid entry or a full state that does not hash to its signed hash. */
export async function parseSnapshotMessage(verifier: SnapshotVerifier, jws: string): Promise<ParsedSnapshotMessage> {
  const message = await verifier.verify(jws);
  if (message.kind === 'spend-floors') throw new Error('a spend floor message where a snapshot was expected');
  if (message.kind === 'full') {
    const { stateHash, lanes, stateJson } = hashSnapshotStateWithJson(message.state);
    if (stateHash !== message.stateHash) throw new Error(`snapshot ${message.version}: the state does not hash to the signed stateHash`);
    const sections = {} as Record<SnapshotSection, EntryChunks>;
    for (const section of snapshotSections) sections[section] = chunked(Object.entries(message.state[section] as SnapshotState[SnapshotSection]));
    return { kind: 'full', version: message.version, stateHash, lanes, sections, stateJson: stateJson.map((piece) => encoder.encode(piece)) };
  }
  const changes: Extract<ParsedSnapshotMessage, { kind: 'delta' }>['changes'] = {};
  const validated: SnapshotDelta['changes'] = {};
  for (const section of snapshotSections) {
    const change = message.changes[section];
    if (!change) continue;
    const schema = sectionItemSchemas[section];
    const upserts = Object.entries(change.upsert).map(([id, entry]): [string, unknown] => [id, schema.parse(entry)]);
    changes[section] = { upsert: chunked(upserts), remove: change.remove };
    validated[section] = { upsert: Object.fromEntries(upserts) as never, remove: change.remove };
  }
  return {
    kind: 'delta',
    fromVersion: message.fromVersion,
    version: message.version,
    stateHash: message.stateHash,
    changes,
    upsertedLanes: hashUpsertedEntries(validated),
  };
}

/** The buffers of a parsed message, for a worker's transfer list. */
export function parsedBuffers(parsed: ParsedSnapshotMessage): ArrayBuffer[] {
  const views =
    parsed.kind === 'full'
      ? [...Object.values(parsed.sections).flat(), ...parsed.stateJson, parsed.lanes]
      : [...Object.values(parsed.changes).flatMap((change) => change.upsert), parsed.upsertedLanes];
  return views.map((view) => view.buffer as ArrayBuffer);
}
