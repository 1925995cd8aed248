// The request loop's half of taking in a snapshot message: the parser (a worker thread) already
// verified and validated it, so what is left is to turn its entry chunks into objects, one chunk per
// event-loop turn. A full snapshot becomes a new state beside the current one, swapped in by reference;
// a delta, once its result's hash is checked (verify-snapshot.ts), is applied to the held state in
// place, in one synchronous step proportional to the delta: copying a 100k-key section for every key
// created or revoked would cost the request loop hundreds of milliseconds. A request that already found
// its key and organization keeps those entries (they are replaced, never modified).
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
