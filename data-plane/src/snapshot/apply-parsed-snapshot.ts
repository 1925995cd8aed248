// The request loop's half of taking in a snapshot message: the parser (a worker thread) already
// verified and validated it, and packed its API keys (packed-entries.ts), so what is left is to turn the
// other sections' entry chunks into objects, one chunk per event-loop turn. A full snapshot becomes a
// new state beside the current one (its keys as the parser packed them), swapped in by reference;
// a delta, once its result's hash is checked (verify-snapshot.ts), is applied to the held state in
// place, in one synchronous step proportional to the delta: copying a 100k-key section for every key
// created or revoked would cost the request loop hundreds of milliseconds. A request that already found
// its key and organization keeps those entries (they are replaced, never modified). A large delta is
// hashed and built beside instead, its API keys merged off the request loop (applyLargeDeltaBeside).
import { canonicalJson } from '../../../shared/src/canonical-json.ts';
import type { JsonObject } from '../../../shared/src/json-object.ts';
import type { SnapshotDelta } from '../../../shared/src/snapshot.ts';
import { StateHash } from '../../../shared/src/state-hash.ts';
import { plainSections, type HeldState } from './held-state.ts';
import type { KeyMerger } from './merge-keys.ts';
import { entryId, entryJson, isTombstone } from './packed-entries.ts';
import { PackedSection } from './packed-section.ts';
import { CHUNK_ENTRIES, type EntryChunks, type ParsedSnapshotMessage } from './parse-snapshot-message.ts';

type ParsedDelta = Extract<ParsedSnapshotMessage, { kind: 'delta' }>;

const decoder = new TextDecoder();
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
const readChunk = (chunk: Uint8Array) => JSON.parse(decoder.decode(chunk)) as Array<[string, unknown]>;

async function addChunks(section: Record<string, unknown>, chunks: EntryChunks): Promise<void> {
  for (const chunk of chunks) {
    for (const [id, entry] of readChunk(chunk)) section[id] = entry;
    await nextTurn();
  }
}

/** A full snapshot's state. */
export async function materialiseFullSnapshot(parsed: Extract<ParsedSnapshotMessage, { kind: 'full' }>): Promise<HeldState> {
  const state: HeldState = { apiKeys: new PackedSection(parsed.apiKeys), orgs: {}, providers: {}, models: {}, byokCredentials: {} };
  for (const section of plainSections) await addChunks(state[section] as Record<string, unknown>, parsed.sections[section]);
  return state;
}

/** A (small) parsed delta's changes with their upserted entries as objects (already validated by the parser). */
export async function readParsedDelta(parsed: ParsedDelta): Promise<SnapshotDelta['changes']> {
  const read: SnapshotDelta['changes'] = {};
  const keys = parsed.apiKeys;
  if (keys !== null) {
    const upsert: Record<string, unknown> = {};
    const remove: string[] = [];
    for (let index = 0; index < keys.count; index++) {
      if (isTombstone(keys, index)) remove.push(entryId(keys, index));
      else upsert[entryId(keys, index)] = JSON.parse(entryJson(keys, index));
    }
    read.apiKeys = { upsert: upsert as JsonObject, remove };
  }
  for (const section of plainSections) {
    const change = parsed.changes[section];
    if (!change) continue;
    const upsert: Record<string, unknown> = {};
    await addChunks(upsert, change.upsert);
    read[section] = { upsert: upsert as JsonObject, remove: change.remove };
  }
  return read;
}

/**
 * Deltas that may hold more than this many entries (removals, plus upserts counted by the chunk) are
 * built beside the held state a slice per turn and swapped in by reference (applyLargeDeltaBeside), so
 * that no single step holds the request loop; smaller ones are applied in place, in one step.
 */
export const IN_PLACE_MAX_ENTRIES = 2_000;

/** Whether a parsed delta goes through applyLargeDeltaBeside (an upper bound: every chunk taken as full). */
export function isLargeDelta(parsed: ParsedDelta): boolean {
  let entries = parsed.apiKeys?.count ?? 0;
  for (const change of Object.values(parsed.changes)) entries += change.remove.length + change.upsert.length * CHUNK_ENTRIES;
  return entries > IN_PLACE_MAX_ENTRIES;
}

/** Entries copied per turn. */
const COPY_SLICE = 2_000;
/** Entries hashed per turn (each a canonical JSON and a SHAKE256 expansion: a few milliseconds' worth). */
const HASH_SLICE = 100;

/**
 * The state a large delta makes, built beside `state` (which is left as it was) and hashed on the way:
 * the held hash's lanes plus the parser's lanes of the upserted entries, less each entry removed or
 * replaced. The API keys are merged by `mergeKeys` (merge-keys.ts; in a serving data plane the feed's
 * worker thread, which also adds up those lanes, so the request loop only swaps references); other sections' upserts
 * are read from the parsed chunks one per turn, never gathered into one object: walking a 100k-entry
 * object (for-in, Object.keys) is itself one step of tens of milliseconds. Throws when the result does
 * not hash to the signed stateHash.
 */
export async function applyLargeDeltaBeside(
  state: HeldState,
  lanes: Uint16Array,
  parsed: ParsedDelta,
  mergeKeys: KeyMerger,
): Promise<{ state: HeldState; lanes: Uint16Array }> {
  const next: HeldState = { ...state };
  let hash: StateHash;
  if (parsed.apiKeys !== null) {
    // The lanes added up where the keys are merged (the feed's thread), not here.
    const merged = await mergeKeys(state.apiKeys.portable(), parsed.apiKeys, [lanes, parsed.upsertedLanes]);
    hash = new StateHash(merged.lanes);
    next.apiKeys = new PackedSection(merged.packed);
  } else {
    hash = new StateHash(lanes);
    hash.addLanes(parsed.upsertedLanes);
  }
  for (const section of plainSections) {
    const change = parsed.changes[section];
    if (!change) continue;
    const entries = state[section] as Record<string, unknown>;
    const copy: Record<string, unknown> = {};
    // One step in proportion to the section held (its keys), then a slice of entries per turn.
    const ids = Object.keys(entries);
    for (let index = 0; index < ids.length; index++) {
      copy[ids[index]!] = entries[ids[index]!];
      if ((index + 1) % COPY_SLICE === 0) await nextTurn();
    }
    let hashed = 0;
    for (const id of change.remove) {
      const removed = copy[id];
      if (removed === undefined) continue;
      hash.remove(section, id, canonicalJson(removed));
      delete copy[id];
      if (++hashed % HASH_SLICE === 0) await nextTurn();
    }
    for (const chunk of change.upsert) {
      for (const [id, entry] of readChunk(chunk)) {
        const replaced = copy[id];
        copy[id] = entry;
        if (replaced === undefined) continue;
        hash.remove(section, id, canonicalJson(replaced));
        if (++hashed % HASH_SLICE === 0) await nextTurn();
      }
      await nextTurn();
    }
    (next as Record<string, unknown>)[section] = copy;
  }
  if (hash.digest() !== parsed.stateHash) throw new Error(`snapshot ${parsed.version}: materialised state hash does not match the signed stateHash`);
  return { state: next, lanes: hash.lanes };
}
