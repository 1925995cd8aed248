// The snapshot state as a data plane holds it: API keys, the section that grows with the platform, packed
// (packed-section.ts: bytes built by a worker thread, parsed an entry at a time when looked up), the
// other sections as plain objects. Here are the state operations of shared/src/snapshot.ts a data plane
// needs, written for that shape.
import { canonicalJson } from '../../../shared/src/canonical-json.ts';
import { snapshotSections, type SnapshotApiKey, type SnapshotDelta, type SnapshotSection, type SnapshotState } from '../../../shared/src/snapshot.ts';
import { StateHash } from '../../../shared/src/state-hash.ts';
import { PackedSection, type PortablePackedSection } from './packed-section.ts';
import { findEntry, isTombstone } from './packed-entries.ts';
import { sharedBytes, sharedUtf8 } from './shared-bytes.ts';

export type HeldState = Omit<SnapshotState, 'apiKeys'> & { apiKeys: PackedSection<SnapshotApiKey> };

/** The sections held as plain objects. */
export type PlainSection = Exclude<SnapshotSection, 'apiKeys'>;
export const plainSections = snapshotSections.filter((section): section is PlainSection => section !== 'apiKeys');

/** A held state for a thread (postMessage keeps data, not classes); heldStateFrom takes it back. */
export type PortableHeldState = Omit<SnapshotState, 'apiKeys'> & { apiKeys: PortablePackedSection };

/** A plain state (the snapshot file, tests, the bench) as held, its API keys packed here in one step; the other sections are taken over, not copied. */
export function holdState(state: SnapshotState): HeldState {
  return { ...state, apiKeys: PackedSection.fromRecord(state.apiKeys) };
}

export function portableHeldState(state: HeldState): PortableHeldState {
  return { ...state, apiKeys: state.apiKeys.portable() };
}

export function heldStateFrom(portable: PortableHeldState): HeldState {
  return { ...portable, apiKeys: PackedSection.from(portable.apiKeys) };
}

/** The held state as a plain one (tests, and comparing states). */
export function plainState(state: HeldState): SnapshotState {
  const apiKeys: SnapshotState['apiKeys'] = {};
  for (const [id, json] of state.apiKeys.entriesJson()) apiKeys[id] = JSON.parse(json) as SnapshotApiKey;
  return { ...state, apiKeys };
}

/** canonicalJson of the entry held under `id` in `section`, or undefined. */
function heldEntryJson(state: HeldState, section: SnapshotSection, id: string): string | undefined {
  if (section === 'apiKeys') return state.apiKeys.canonicalJson(id);
  const entry = (state[section] as Record<string, unknown>)[id];
  return entry === undefined ? undefined : canonicalJson(entry);
}

/** Entries hashed per turn: a few milliseconds of LtHash entry hashes (shared/src/state-hash.ts). */
const SLICE_ENTRIES = 200;
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

/**
 * The hash of `state` with `changes` applied (shared/src/snapshot.ts updateStateHash), from its lanes
 * plus `upserted` (the lanes of the changes' upserted entries, hashed by the parser thread), less each
 * entry the changes remove or replace, pausing between slices. `state` is read, not modified, and must
 * not change meanwhile.
 */
export async function hashChangedState(lanes: Uint16Array, state: HeldState, changes: SnapshotDelta['changes'], upserted: Uint16Array): Promise<StateHash> {
  const hash = new StateHash(lanes);
  hash.addLanes(upserted);
  let hashed = 0;
  for (const section of snapshotSections) {
    const change = changes[section];
    if (!change) continue;
    const removed = new Set<string>();
    const take = async (id: string) => {
      const json = removed.has(id) ? undefined : heldEntryJson(state, section, id);
      if (json === undefined) return;
      hash.remove(section, id, json);
      removed.add(id);
      if (++hashed % SLICE_ENTRIES === 0) await nextTurn();
    };
    for (const id of change.remove) await take(id);
    for (const id in change.upsert) await take(id);
  }
  return hash;
}

/**
 * Applies changes (removals, then upserts) to `state` itself, in proportion to the changes; returns the
 * sections changed. A reader that already took an entry keeps it: entries are replaced, never modified.
 */
export function applyChangesInPlace(state: HeldState, changes: SnapshotDelta['changes']): Set<SnapshotSection> {
  const changed = new Set<SnapshotSection>();
  for (const section of snapshotSections) {
    const change = changes[section];
    if (!change) continue;
    if (section === 'apiKeys') {
      for (const id of change.remove) state.apiKeys.delete(id);
      for (const [id, entry] of Object.entries(change.upsert)) state.apiKeys.set(id, entry as SnapshotApiKey);
    } else {
      const entries = state[section] as Record<string, unknown>;
      for (const id of change.remove) delete entries[id];
      for (const [id, entry] of Object.entries(change.upsert)) entries[id] = entry;
    }
    changed.add(section);
  }
  return changed;
}

/** Members of the API keys' JSON object per piece of keysJsonPieces: a piece's string and bytes stay well under a megabyte. */
const KEYS_PIECE_ENTRIES = 2_000;

/**
 * The API keys as the members of a JSON object (`"id":json`, comma-separated, no braces), UTF-8 in
 * shared pieces, at once: for the feed's worker thread, so the snapshot file's 100k keys cost the request loop
 * no strings (see serializeHeldStateInSlices). The packed entries' bytes are copied as they are (an id
 * needs no escaping in JSON unless it holds a quote, a backslash or a control character): 100k keys took
 * that thread 215-241 ms of CPU decoded to strings, concatenated and encoded again.
 */
export function keysJsonPieces(held: PortablePackedSection): Uint8Array[] {
  const { packed } = held;
  const { ids, idOffsets, json, jsonOffsets } = packed;
  if (!idsNeedNoEscaping(ids)) return keysJsonPiecesOfStrings(held);
  // Entries changed since the keys were packed are written after them, from their objects.
  const changed = new Set<number>();
  for (const [id] of held.changes) changed.add(findEntry(packed, id));
  const pieces: Uint8Array[] = [];
  let count = 0;
  for (let from = 0; from < packed.count;) {
    let to = from;
    let length = 0;
    for (let written = 0; to < packed.count && written < KEYS_PIECE_ENTRIES; to++) {
      if (isTombstone(packed, to) || changed.has(to)) continue;
      // ,"id":json
      length += (count + written === 0 ? 0 : 1) + idOffsets[to + 1]! - idOffsets[to]! + 3 + jsonOffsets[to + 1]! - jsonOffsets[to]!;
      written++;
    }
    if (length > 0) {
      const piece = sharedBytes(length);
      let at = 0;
      for (let index = from; index < to; index++) {
        if (isTombstone(packed, index) || changed.has(index)) continue;
        if (count++ > 0) piece[at++] = COMMA;
        piece[at++] = QUOTE;
        piece.set(ids.subarray(idOffsets[index], idOffsets[index + 1]), at);
        at += idOffsets[index + 1]! - idOffsets[index]!;
        piece[at++] = QUOTE;
        piece[at++] = COLON;
        piece.set(json.subarray(jsonOffsets[index], jsonOffsets[index + 1]), at);
        at += jsonOffsets[index + 1]! - jsonOffsets[index]!;
      }
      pieces.push(piece);
    }
    from = to;
  }
  let piece = '';
  for (const [id, entry] of held.changes) if (entry !== null) piece += `${count++ === 0 ? '' : ','}${JSON.stringify(id)}:${JSON.stringify(entry)}`;
  if (piece !== '') pieces.push(sharedUtf8(piece));
  return pieces;
}

const QUOTE = 0x22;
const COLON = 0x3a;
const COMMA = 0x2c;
const BACKSLASH = 0x5c;

/** Whether JSON.stringify would write these UTF-8 ids as they are (no quote, backslash or control character). */
function idsNeedNoEscaping(ids: Uint8Array): boolean {
  for (let at = 0; at < ids.length; at++) {
    const byte = ids[at]!;
    if (byte < 0x20 || byte === QUOTE || byte === BACKSLASH) return false;
  }
  return true;
}

/** keysJsonPieces through strings, for ids that JSON escapes. */
function keysJsonPiecesOfStrings(held: PortablePackedSection): Uint8Array[] {
  const pieces: Uint8Array[] = [];
  let piece = '';
  let count = 0;
  for (const [id, json] of PackedSection.from(held).entriesJson()) {
    piece += `${count === 0 ? '' : ','}${JSON.stringify(id)}:${json}`;
    if (++count % KEYS_PIECE_ENTRIES === 0) {
      pieces.push(sharedUtf8(piece));
      piece = '';
    }
  }
  if (piece !== '') pieces.push(sharedUtf8(piece));
  return pieces;
}

/** keysJsonPieces on another thread (SnapshotFeed.keysJson). */
export type KeysJson = (held: PortablePackedSection) => Promise<Uint8Array[]>;

/**
 * The state as UTF-8 JSON in pieces, a slice of entries per turn, in the order held (the state hash does
 * not depend on it): for the snapshot file, when the deltas log outweighs it. Each slice is encoded as it
 * is made (a string built by concatenation is flattened all at once by whoever writes it). `keysJson`:
 * the API keys' members are made there (the feed's worker thread), not here.
 */
export async function serializeHeldStateInSlices(state: HeldState, keysJson?: KeysJson): Promise<Uint8Array[]> {
  const pieces: Uint8Array[] = [];
  let slice = '{';
  let count = 0;
  for (const [sectionIndex, section] of snapshotSections.entries()) {
    slice += `${sectionIndex > 0 ? ',' : ''}${JSON.stringify(section)}:{`;
    if (section === 'apiKeys' && keysJson !== undefined) {
      pieces.push(Buffer.from(slice), ...(await keysJson(state.apiKeys.portable())));
      slice = '}';
      continue;
    }
    const entries =
      section === 'apiKeys'
        ? state.apiKeys.entriesJson()
        : Object.entries(state[section] as Record<string, unknown>).map(([id, entry]) => [id, JSON.stringify(entry)] as const);
    let first = true;
    for (const [id, json] of entries) {
      slice += `${first ? '' : ','}${JSON.stringify(id)}:${json}`;
      first = false;
      if (++count % SLICE_ENTRIES === 0) {
        pieces.push(Buffer.from(slice));
        slice = '';
        await nextTurn();
      }
    }
    slice += '}';
  }
  pieces.push(Buffer.from(`${slice}}`));
  return pieces;
}
