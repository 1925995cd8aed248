// Keeps the snapshot and the spend floors current: subscribes to dataPlane.snapshot through the snapshot
// feed, which reads and parses it in a worker thread (snapshot-feed.ts), resuming from the
// version and floor position held, so the control plane can send only what changed), verifies and
// applies each message in order, swaps the store, and saves to disk. A snapshot message that does not
// verify or apply drops the connection and resubscribes without a position, which yields a full
// snapshot; a spend floor message that does not follow resubscribes for a floor checkpoint. Connection
// failures reconnect with exponential backoff and jitter (to the next control-plane replica, when
// several are configured: the feed moves on like control-plane-channel.ts).
import type { SnapshotVerifier } from '../../../shared/src/crypto.ts';
import { formatChannelPosition, type SnapshotEnvelope, type SpendFloorEnvelope } from '../../../shared/src/data-plane-channel.ts';
import type { SpendFloorMessage } from '../../../shared/src/spend-floors.ts';
import { serializeHeldStateInSlices } from './held-state.ts';
import type { FeedEnvelope, SnapshotFeed } from './snapshot-feed.ts';
import type { SnapshotFileWriter } from './load-snapshot.ts';
import type { ParsedSnapshotMessage } from './parse-snapshot-message.ts';
import type { SpendFloorFile } from './spend-floor-file.ts';
import type { SpendFloorStore } from './spend-floor-store.ts';
import type { SnapshotStore } from './snapshot-store.ts';
import { signedText, verifySnapshot, type MaterialisedSnapshot, type SignedSnapshotEnvelope } from './verify-snapshot.ts';

export interface SnapshotSyncOptions {
  /** Brings snapshot messages parsed (off the request loop) and spend floor messages as sent. */
  feed: SnapshotFeed;
  /** Checks spend floor messages (small, so on this thread). */
  verifier: SnapshotVerifier;
  store: SnapshotStore;
  writer: SnapshotFileWriter;
  spendFloors: SpendFloorStore;
  spendFloorFile: SpendFloorFile;
  /** What was loaded from disk, if anything. */
  initial: MaterialisedSnapshot | null;
  log: (line: string) => void;
  maxBackoffMs?: number;
  /** Told of each message once applied, in order (the worker threads of DATA_PLANE_WORKERS follow the main thread's sync). */
  onApplied?: (update: AppliedUpdate) => void;
}

/**
 * A message this sync applied: a snapshot as the feed parsed it, with the result; spend floors as
 * verified. The snapshot's envelope holds its JWS as text only when read (textEnvelope): the worker
 * threads' relay reads it, a data plane serving from this thread never does.
 */
export type AppliedUpdate =
  | { kind: 'snapshot'; envelope: SnapshotEnvelope; parsed: ParsedSnapshotMessage; snapshot: MaterialisedSnapshot }
  | { kind: 'spend-floors'; message: SpendFloorMessage };

/** The envelope with its JWS decoded once, when first read. */
function textEnvelope(envelope: SignedSnapshotEnvelope): SnapshotEnvelope {
  let text: string | null = null;
  return {
    version: envelope.version,
    get jws() {
      return (text ??= signedText(envelope.jws));
    },
  };
}

export interface SnapshotSync {
  stop(): void;
}

export function startSnapshotSync(options: SnapshotSyncOptions): SnapshotSync {
  const { feed, verifier, store, writer, spendFloors, spendFloorFile, log } = options;
  let current = options.initial;
  let subscription: { unsubscribe(): void } | null = null;
  let generation = 0;
  let failures = 0;
  let stopped = false;
  let reconnectTimer: NodeJS.Timeout | null = null;
  let subscribedTo: string | null = null;
  // Messages are verified asynchronously; this chain keeps them in order.
  let queue: Promise<void> = Promise.resolve();

  function connect(resume: boolean): void {
    if (stopped) return;
    generation += 1;
    const myGeneration = generation;
    const lastEventId = resume ? formatChannelPosition({ version: current?.version ?? 0, floors: spendFloors.position() }) : null;
    if (feed.currentUrl !== subscribedTo) {
      subscribedTo = feed.currentUrl;
      log(`subscribing to snapshots at ${subscribedTo}`);
    }
    subscription = feed.subscribe(lastEventId, {
      onEnvelope(received) {
        queue = queue.then(() => (myGeneration === generation ? apply(received) : undefined));
      },
      onFailure(error) {
        if (myGeneration !== generation || stopped) return;
        failures += 1;
        const backoff = Math.min(options.maxBackoffMs ?? 10_000, 100 * 2 ** Math.min(failures, 10));
        const delay = Math.round(backoff * (0.5 + Math.random() / 2));
        if (failures === 1 || failures % 10 === 0) log(`snapshot subscription lost (${String(error)}); reconnecting in ${delay} ms`);
        schedule(delay, true);
      },
    });
  }

  function schedule(delayMs: number, resume: boolean): void {
    subscription?.unsubscribe();
    subscription = null;
    generation += 1; // ignore anything still arriving on the old subscription
    if (reconnectTimer !== null) clearTimeout(reconnectTimer);
    reconnectTimer = setTimeout(() => {
      reconnectTimer = null;
      connect(resume);
    }, delayMs);
  }

  function resubscribeAfterRejection(resume: boolean): void {
    failures += 1;
    schedule(failures > 1 ? Math.min(5_000, 100 * 2 ** Math.min(failures, 6)) : 0, resume);
  }

  async function apply(received: FeedEnvelope): Promise<void> {
    if ('parse' in received) return applySnapshot(received.envelope, received.parse);
    return applySpendFloors(received.envelope);
  }

  async function applySnapshot(envelope: SignedSnapshotEnvelope & { jws: Uint8Array }, parse: () => Promise<ParsedSnapshotMessage>): Promise<void> {
    try {
      let parsed: ParsedSnapshotMessage | undefined;
      const verified = await verifySnapshot(
        { parse: async () => (parsed = await parse()), mergeKeys: feed.mergeKeys, close: async () => {} },
        envelope,
        current,
      );
      const next = verified.snapshot;
      current = next;
      failures = 0;
      if (verified.kind === 'full') {
        await store.set(next);
        options.onApplied?.({ kind: 'snapshot', envelope: textEnvelope(envelope), parsed: parsed!, snapshot: next });
        writer.save(next, verified.stateJson);
        return;
      }
      await store.set(next, verified.changedSections);
      options.onApplied?.({ kind: 'snapshot', envelope: textEnvelope(envelope), parsed: parsed!, snapshot: next });
      // Rare (the log would outweigh the state file), and the next message waits meanwhile, so the state is not changed under it.
      if (writer.outweighedBy(next)) writer.save(next, await serializeHeldStateInSlices(next.state, feed.keysJson));
      else writer.append(next);
    } catch (error) {
      log(`snapshot rejected, resubscribing for a full snapshot: ${String(error)}`);
      resubscribeAfterRejection(false);
    }
  }

  async function applySpendFloors(envelope: SpendFloorEnvelope): Promise<void> {
    try {
      const message = await verifier.verify(envelope.jws);
      if (message.kind !== 'spend-floors' || message.epoch !== envelope.spendFloors.epoch || message.seq !== envelope.spendFloors.seq) {
        throw new Error(`envelope ${envelope.spendFloors.epoch}/${envelope.spendFloors.seq} does not carry that spend floor message`);
      }
      spendFloors.apply(message);
      options.onApplied?.({ kind: 'spend-floors', message });
      spendFloorFile.record(message, envelope.jws);
    } catch (error) {
      log(`spend floors rejected, resubscribing for a checkpoint: ${String(error)}`);
      spendFloors.forgetPosition();
      resubscribeAfterRejection(true);
    }
  }

  connect(true);

  return {
    stop() {
      stopped = true;
      generation += 1;
      if (reconnectTimer !== null) clearTimeout(reconnectTimer);
      subscription?.unsubscribe();
      subscription = null;
    },
  };
}
