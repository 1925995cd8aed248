// The heavy half of taking in a snapshot message, written to run in a worker thread
// (snapshot-feed-worker.ts): check the signature, decode and parse the payload, validate every entry,
// and hash the entries it brings: a full snapshot's (or one part's, assemble-full-snapshot.ts puts the
// parts together and checks the whole hash), a delta's new ones (its result's hash is the held state's
// plus those, less the entries it removes or replaces, which only the request loop holds:
// verify-snapshot.ts). What comes back is the API keys packed (packed-entries.ts: bytes and a hash table
// the request loop looks keys up in without turning them into objects) and the other sections' entries
// as JSON text in chunks of CHUNK_ENTRIES, already validated, which the request loop parses one chunk per
// turn (apply-parsed-snapshot.ts): a 100k-key message never costs it one long JSON.parse, schema check,
// hash, or 100k objects.
import { canonicalJson } from '../../../shared/src/canonical-json.ts';
import type { SnapshotVerifier } from '../../../shared/src/crypto.ts';
import { sectionItemSchemas, snapshotSections, type SnapshotSection } from '../../../shared/src/snapshot.ts';
import { StateHash } from '../../../shared/src/state-hash.ts';
import { assembleFullSnapshot } from './assemble-full-snapshot.ts';
import type { PlainSection } from './held-state.ts';
import { packEntries, type PackedEntries } from './packed-entries.ts';
import { sharedUtf8 } from './shared-bytes.ts';

/** About a millisecond of JSON.parse on the request loop per chunk. */
export const CHUNK_ENTRIES = 500;
/** Entries per piece of the state file's JSON. */
const FILE_PIECE_ENTRIES = 200;

/**
 * UTF-8 JSON of `[id, entry][]`, entries valid for their section. Bytes, not strings, so a worker hands
 * them over in shared buffers (shared-bytes.ts) instead of the request loop copying them in one go.
 */
export type EntryChunks = Uint8Array[];

export type ParsedFullSnapshot = {
  kind: 'full';
  version: number;
  /** Checked: the state hashes to the signed stateHash. */
  stateHash: string;
  /** That hash's lanes, from which later deltas are hashed (shared/src/state-hash.ts). */
  lanes: Uint16Array;
  sections: Record<PlainSection, EntryChunks>;
  apiKeys: PackedEntries;
  /** The state's JSON in pieces, UTF-8 (what the snapshot file stores; entries in the order received). */
  stateJson: Uint8Array[];
};

/** One part of a full snapshot sent in parts (shared/src/snapshot.ts splitSnapshotState), checked only once all are in. */
export type ParsedSnapshotPart = {
  kind: 'part';
  version: number;
  /** The whole state's signed hash. */
  stateHash: string;
  index: number;
  count: number;
  /** The state hash's lanes of this part's entries alone (LtHash is additive: the parts' sum is the whole's). */
  lanes: Uint16Array;
  sections: Record<PlainSection, EntryChunks>;
  apiKeys: PackedEntries;
  /** Per section, this part's entries as JSON object members, each piece starting with a comma. */
  members: Record<SnapshotSection, Uint8Array[]>;
};

export type ParsedSnapshotMessage =
  | ParsedFullSnapshot
  | ParsedSnapshotPart
  | {
      kind: 'delta';
      fromVersion: number;
      version: number;
      /** The signed hash of the state after the delta; the caller checks it once applied. */
      stateHash: string;
      changes: Partial<Record<PlainSection, { upsert: EntryChunks; remove: string[] }>>;
      /** The API keys it upserts, and a tombstone for each it removes (and does not upsert); null when it changes none. */
      apiKeys: PackedEntries | null;
      /** The state hash's lanes of the upserted entries alone, so the request loop hashes only what it removes or replaces. */
      upsertedLanes: Uint16Array;
    };

function chunked(entries: Array<[string, unknown]>): EntryChunks {
  const chunks: EntryChunks = [];
  for (let start = 0; start < entries.length; start += CHUNK_ENTRIES) chunks.push(sharedUtf8(JSON.stringify(entries.slice(start, start + CHUNK_ENTRIES))));
  return chunks;
}

/** Hashes a (part of a) full state's entries, in the order received: the hash does not depend on it. */
function readPart(state: Record<SnapshotSection, Record<string, unknown>>): Pick<ParsedSnapshotPart, 'lanes' | 'sections' | 'apiKeys' | 'members'> {
  const hash = new StateHash();
  const sections = {} as ParsedSnapshotPart['sections'];
  const members = {} as ParsedSnapshotPart['members'];
  let apiKeys: PackedEntries | null = null;
  for (const section of snapshotSections) {
    const entries = state[section];
    const pairs: Array<[string, unknown]> = [];
    const packed: Array<[string, string]> = [];
    const pieces: Uint8Array[] = [];
    let piece = '';
    // for-in, not Object.entries: no 100k pairs allocated only to be walked once.
    for (const id in entries) {
      const entryJson = canonicalJson(entries[id]);
      hash.add(section, id, entryJson);
      if (section === 'apiKeys') packed.push([id, entryJson]);
      else pairs.push([id, entries[id]]);
      piece += `,${JSON.stringify(id)}:${entryJson}`;
      if ((pairs.length + packed.length) % FILE_PIECE_ENTRIES === 0) {
        pieces.push(sharedUtf8(piece));
        piece = '';
      }
    }
    if (piece !== '') pieces.push(sharedUtf8(piece));
    if (section === 'apiKeys') apiKeys = packEntries(packed);
    else sections[section] = chunked(pairs);
    members[section] = pieces;
  }
  return { lanes: hash.lanes, sections, apiKeys: apiKeys!, members };
}

/**
 * Throws on a bad signature, a message that is not a snapshot, an invalid entry or a whole state that
 * does not hash to its signed hash. A part of a full snapshot comes back as it is, for the caller to
 * put together with the others (FullSnapshotAssembler).
 */
export async function parseSnapshotMessage(verifier: SnapshotVerifier, jws: string | Uint8Array): Promise<ParsedSnapshotMessage> {
  const message = await verifier.verify(jws);
  if (message.kind === 'spend-floors') throw new Error('a spend floor message where a snapshot was expected');
  if (message.kind === 'full') {
    const { version, stateHash, part } = message;
    const parsed: ParsedSnapshotPart = { kind: 'part', version, stateHash, index: part?.index ?? 0, count: part?.count ?? 1, ...readPart(message.state) };
    return part === undefined ? assembleFullSnapshot([parsed]) : parsed;
  }
  const changes: Extract<ParsedSnapshotMessage, { kind: 'delta' }>['changes'] = {};
  const hash = new StateHash();
  let apiKeys: PackedEntries | null = null;
  for (const section of snapshotSections) {
    const change = message.changes[section];
    if (!change) continue;
    const schema = sectionItemSchemas[section];
    const upserts: Array<[string, unknown]> = [];
    const packed: Array<[string, string]> = [];
    // Each entry validated, its canonical JSON made once (packed and hashed from it), in one walk.
    for (const id in change.upsert) {
      const entry = schema.parse(change.upsert[id]);
      const entryJson = canonicalJson(entry);
      hash.add(section, id, entryJson);
      if (section === 'apiKeys') packed.push([id, entryJson]);
      else upserts.push([id, entry]);
    }
    if (section !== 'apiKeys') {
      changes[section] = { upsert: chunked(upserts), remove: change.remove };
      continue;
    }
    // Removals go first, so an id both removed and upserted ends upserted.
    const upserted = new Set(packed.map(([id]) => id));
    const tombstones = [...new Set(change.remove)].filter((id) => !upserted.has(id)).map((id) => [id, ''] as [string, string]);
    apiKeys = packEntries([...packed, ...tombstones]);
  }
  return {
    kind: 'delta',
    fromVersion: message.fromVersion,
    version: message.version,
    stateHash: message.stateHash,
    changes,
    apiKeys,
    upsertedLanes: hash.lanes,
  };
}
