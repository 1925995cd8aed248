// The request loop's half of taking in a snapshot message: the parser (a worker thread) already
// verified and validated it, so what is left is to turn its entry chunks into objects, one chunk per
// event-loop turn, and build the new state beside the current one. The caller swaps it in by reference.
import { emptySnapshotState, snapshotSections, type SnapshotSection, type SnapshotState } from '../../../shared/src/snapshot.ts';
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

/** A new state with the delta's changes applied; `state` is not modified and untouched sections are shared. */
export async function applyParsedDelta(state: SnapshotState, changes: Extract<ParsedSnapshotMessage, { kind: 'delta' }>['changes']): Promise<SnapshotState> {
  const next: SnapshotState = { ...state };
  for (const section of snapshotSections) {
    const change = changes[section];
    if (!change) continue;
    const merged: Record<string, unknown> = { ...state[section] };
    for (const id of change.remove) delete merged[id];
    await addChunks(merged, change.upsert);
    (next as Record<SnapshotSection, unknown>)[section] = merged;
  }
  return next;
}
