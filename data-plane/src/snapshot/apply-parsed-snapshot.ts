// The request loop's half of taking in a snapshot message: the parser (a worker thread) already
// verified and validated it, so what is left is to turn its entry chunks into objects, one chunk per
// event-loop turn. A full snapshot becomes a new state beside the current one, swapped in by reference;
// a delta, once its result's hash is checked (verify-snapshot.ts), is applied to the held state in
// place, in one synchronous step proportional to the delta: copying a 100k-key section for every key
// created or revoked would cost the request loop hundreds of milliseconds. A request that already found
// its key and organization keeps those entries (they are replaced, never modified). A large delta is
// built beside instead, in slices (applyChangesBeside).
import type { JsonObject } from '../../../shared/src/json-object.ts';
import { emptySnapshotState, snapshotSections, type SnapshotDelta, type SnapshotState } from '../../../shared/src/snapshot.ts';
import type { EntryChunks, ParsedSnapshotMessage } from './parse-snapshot-message.ts';

const decoder = new TextDecoder();
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

async function addChunks(section: Record<string, unknown>, chunks: EntryChunks): Promise<void> {
  for (const chunk of chunks) {
    for (const [id, entry] of JSON.parse(decoder.decode(chunk)) as Array<[string, unknown]>) section[id] = entry;
    await nextTurn();
  }
}

/** A full snapshot's state. */
export async function materialiseFullSnapshot(parsed: Extract<ParsedSnapshotMessage, { kind: 'full' }>): Promise<SnapshotState> {
  const state = emptySnapshotState();
  for (const section of snapshotSections) await addChunks(state[section] as Record<string, unknown>, parsed.sections[section]);
  return state;
}

/** A parsed delta's changes with their upserted entries as objects (already validated by the parser). */
export async function readParsedDelta(changes: Extract<ParsedSnapshotMessage, { kind: 'delta' }>['changes']): Promise<SnapshotDelta['changes']> {
  const read: SnapshotDelta['changes'] = {};
  for (const section of snapshotSections) {
    const change = changes[section];
    if (!change) continue;
    const upsert: Record<string, unknown> = {};
    await addChunks(upsert, change.upsert);
    read[section] = { upsert: upsert as JsonObject, remove: change.remove };
  }
  return read;
}

/**
 * Deltas of at most this many entries are applied to the held state in place, in one step; larger ones
 * (a bulk import) are built beside it a slice per turn and swapped in by reference, so that no single
 * step holds the request loop.
 */
export const IN_PLACE_MAX_ENTRIES = 2_000;
const COPY_SLICE = 5_000;

/** A new state with checked changes applied, built in slices: each changed section is copied, the others are shared. */
export async function applyChangesBeside(state: SnapshotState, changes: SnapshotDelta['changes']): Promise<SnapshotState> {
  const next: SnapshotState = { ...state };
  for (const section of snapshotSections) {
    const change = changes[section];
    if (!change) continue;
    const entries = state[section] as Record<string, unknown>;
    const copy: Record<string, unknown> = {};
    let count = 0;
    for (const id of Object.keys(entries)) {
      copy[id] = entries[id];
      if (++count % COPY_SLICE === 0) await nextTurn();
    }
    for (const id of change.remove) delete copy[id];
    for (const id in change.upsert) {
      copy[id] = change.upsert[id];
      if (++count % COPY_SLICE === 0) await nextTurn();
    }
    (next as Record<string, unknown>)[section] = copy;
  }
  return next;
}
