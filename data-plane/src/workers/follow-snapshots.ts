// A worker thread's snapshot and spend floors, following the main thread's subscription: the main thread
// subscribes once (snapshot-feed.ts parses each message off its loop), applies each message, and posts
// what it applied to every worker, the snapshot message as the feed parsed it (a copy of its buffers) and
// spend floors as verified. A worker applies the same messages in the same order to its own store, so a
// delta costs it what it costs the main thread (verify-snapshot.ts: the hash of the change, applied in
// place), never a copy of the whole state; it starts from the main thread's state, copied once.
import type { SnapshotEnvelope } from '../../../shared/src/data-plane-channel.ts';
import type { SpendFloorMessage } from '../../../shared/src/spend-floors.ts';
import { heldStateFrom, type PortableHeldState } from '../snapshot/held-state.ts';
import type { ParsedSnapshotMessage } from '../snapshot/parse-snapshot-message.ts';
import type { SnapshotStore } from '../snapshot/snapshot-store.ts';
import type { SpendFloorStore } from '../snapshot/spend-floor-store.ts';
import { verifySnapshot, type MaterialisedSnapshot } from '../snapshot/verify-snapshot.ts';

/** A snapshot as posted to a thread: its packed API keys as data (heldStateFrom makes them a section again). */
export type PortableSnapshot = Omit<MaterialisedSnapshot, 'state'> & { state: PortableHeldState };

/** What the main thread posts: its state (at a worker's start, or when it asks again), then each message it applied. */
export type FollowedUpdate =
  | { kind: 'state'; snapshot: PortableSnapshot | null; floors: SpendFloorMessage | null }
  | { kind: 'snapshot'; envelope: SnapshotEnvelope; parsed: ParsedSnapshotMessage }
  | { kind: 'spend-floors'; message: SpendFloorMessage };

export interface SnapshotFollower {
  apply(update: FollowedUpdate): void;
}

export function followSnapshots(options: {
  store: SnapshotStore;
  spendFloors: SpendFloorStore;
  /** Asks the main thread for its whole state again (a message did not apply here). */
  requestState(): void;
  /** Told of each version this worker serves. */
  onVersion(version: number): void;
  log(line: string): void;
}): SnapshotFollower {
  const { store, spendFloors } = options;
  let current: MaterialisedSnapshot | null = null;
  /** Messages are applied one at a time, in order. */
  let queue: Promise<void> = Promise.resolve();
  /** After a failure, messages are skipped until the state asked for arrives. */
  let waitingForState = false;

  async function apply(update: FollowedUpdate): Promise<void> {
    if (update.kind === 'state') {
      waitingForState = false;
      if (update.floors !== null) spendFloors.apply(update.floors);
      if (update.snapshot !== null) {
        current = { ...update.snapshot, state: heldStateFrom(update.snapshot.state) };
        await store.set(current);
        options.onVersion(current.version);
      }
      return;
    }
    if (waitingForState) return;
    try {
      if (update.kind === 'spend-floors') {
        spendFloors.apply(update.message);
        return;
      }
      const verified = await verifySnapshot({ parse: async () => update.parsed, close: async () => {} }, update.envelope, current);
      current = verified.snapshot;
      await store.set(current, verified.kind === 'delta' ? verified.changedSections : null);
      options.onVersion(current.version);
    } catch (error) {
      options.log(`worker: a ${update.kind} message the main thread applied did not apply here (${String(error)}); asking for its state`);
      waitingForState = true;
      options.requestState();
    }
  }

  return {
    apply(update) {
      queue = queue.then(() => apply(update));
    },
  };
}
