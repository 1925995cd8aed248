// A large delta's API keys merged onto the packed keys held (packed-section.ts), and the state hash's
// lanes of the keys it removes or replaces taken out on the way (shared/src/state-hash.ts): all of it in
// proportion to the state, so a serving data plane runs it in the snapshot feed's worker thread
// (snapshot-feed.ts mergeKeys), which reads the held keys where they are (shared buffers) and builds the
// merged ones in new shared buffers. Done on the request loop, 500 keys a turn, its first turn allocated
// about 40 MB of buffers for 100k keys and started a full collection there (26-42 ms turns, bench:swap
// --steps). The request loop keeps only the check: the lanes added up against the signed hash.
import { canonicalJson } from '../../../shared/src/canonical-json.ts';
import { StateHash } from '../../../shared/src/state-hash.ts';
import { entryId, entryJson, mergeSteps, packEntries, type PackedEntries } from './packed-entries.ts';
import type { PortablePackedSection } from './packed-section.ts';

export interface MergedKeys {
  packed: PackedEntries;
  /** The sum of the lanes given (`from`), less the lanes of each key the delta removes or replaces. */
  lanes: Uint16Array;
}

/**
 * Merges a large delta's packed keys (tombstones for its removals) onto a held section, which is only
 * read. `from`: lanes to start the result's lanes from (the held state's and the delta's upserted
 * entries'), added up where the merge runs: on the request loop a loop over 2,048 lanes run once per
 * swap stays in the interpreter.
 */
export type KeyMerger = (held: PortablePackedSection, delta: PackedEntries, from?: readonly Uint16Array[]) => Promise<MergedKeys>;

/** The merge in steps (packed-entries.ts mergeSteps): the delta over the held section's changes over its packed keys. */
export function* mergeKeySteps(held: PortablePackedSection, delta: PackedEntries, from: readonly Uint16Array[] = []): Generator<void, MergedKeys> {
  const hash = new StateHash();
  for (const lanes of from) hash.addLanes(lanes);
  const changes = packEntries(held.changes.map(([id, entry]) => [id, entry === null ? '' : canonicalJson(entry)] as const));
  const packed = yield* mergeSteps([delta, changes, held.packed], (layer, index) => hash.remove('apiKeys', entryId(layer, index), entryJson(layer, index)));
  return { packed, lanes: hash.lanes };
}

/** Straight through (the feed's worker thread). */
export function mergeKeysAtOnce(held: PortablePackedSection, delta: PackedEntries, from?: readonly Uint16Array[]): MergedKeys {
  const steps = mergeKeySteps(held, delta, from);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

/** On the calling thread, a step per turn (tests, the bench, and data-plane threads without a feed of their own). */
export const mergeKeysInTurns: KeyMerger = async (held, delta, from) => {
  const steps = mergeKeySteps(held, delta, from);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await nextTurn();
  }
};
