// The snapshot subscription, held in a worker thread (snapshot-feed-worker.ts): a full snapshot of 100k
// keys is one SSE event of about 30 MB, and reading it (the event's text, its JSON, the JWS inside) took
// the request loop 1.7 s under load when the subscription lived there. The worker reads each event,
// verifies, parses and validates a snapshot message (parse-snapshot-message.ts) and hands the request
// loop the parsed entries and the signed message's bytes in shared buffers (shared-bytes.ts; a 30 MB string posted
// instead costs the receiving loop 300-400 ms to deserialise, measured at load 16); spend floor
// messages (small) are passed on as they are. The worker keeps its own control-plane replica list and moves on like control-plane-channel.ts.
// It also merges a large delta's API keys onto the keys held (mergeKeys, merge-keys.ts), so the request
// loop only swaps the result in, and writes the held keys' JSON for the snapshot file (keysJson). A
// worker that dies fails the subscription (the sync resubscribes) and any task under way, and is started
// again for the next.
import { Worker } from 'node:worker_threads';
import type { JWK } from 'jose';
import type { SpendFloorEnvelope } from '../../../shared/src/data-plane-channel.ts';
import type { KeysJson } from './held-state.ts';
import type { KeyMerger, MergedKeys } from './merge-keys.ts';
import type { PackedEntries } from './packed-entries.ts';
import type { PortablePackedSection } from './packed-section.ts';
import type { ParsedSnapshotMessage } from './parse-snapshot-message.ts';
import type { SignedSnapshotEnvelope } from './verify-snapshot.ts';

/**
 * An envelope as the feed hands it over: a snapshot message comes already parsed (parse() answers at
 * once, or throws why it did not parse), its JWS as bytes.
 */
export type FeedEnvelope =
  { envelope: SpendFloorEnvelope } | { envelope: SignedSnapshotEnvelope & { jws: Uint8Array }; parse(): Promise<ParsedSnapshotMessage> };

export interface SnapshotFeed {
  /** The replica the subscription goes to now. */
  readonly currentUrl: string;
  subscribe(lastEventId: string | null, handlers: { onEnvelope(received: FeedEnvelope): void; onFailure(error: unknown): void }): { unsubscribe(): void };
  /** In the worker thread: the held keys and the result are shared buffers (packed-entries.ts), so neither is copied. */
  mergeKeys: KeyMerger;
  /** In the worker thread (held-state.ts keysJsonPieces), the pieces in shared buffers. */
  keysJson: KeysJson;
  close(): Promise<void>;
}

export type FeedRequest =
  { type: 'subscribe'; subscription: number; lastEventId: string | null } | { type: 'unsubscribe' } | { type: 'task'; task: number; work: FeedTask };

/** Work in proportion to the keys that the request loop hands to the worker. */
export type FeedTask =
  { kind: 'merge'; held: PortablePackedSection; delta: PackedEntries; from?: readonly Uint16Array[] } | { kind: 'keys-json'; held: PortablePackedSection };
export type FeedTaskResult = MergedKeys | Uint8Array[];

export type FeedReply =
  | { type: 'spend-floors'; subscription: number; envelope: SpendFloorEnvelope }
  | { type: 'snapshot'; subscription: number; version: number; jws: Uint8Array; parsed?: ParsedSnapshotMessage; error?: string }
  | { type: 'failure'; subscription: number; error: string; url: string }
  | { type: 'done'; task: number; result?: FeedTaskResult; error?: string };

export interface SnapshotFeedOptions {
  controlPlaneUrls: readonly string[];
  dataPlaneToken: string;
  snapshotPublicJwk: JWK;
}

// Running from TypeScript sources (tests, node --import tsx), the worker registers tsx's loader before it
// imports its entry: a loader given through the worker's execArgv does not reach its imports on Node 20.
const fromSources = import.meta.url.endsWith('.ts');
const workerUrl = new URL(fromSources ? './snapshot-feed-worker.ts' : './snapshot-feed-worker.js', import.meta.url);
const workerSource = fromSources
  ? `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(workerUrl.href)}); })`
  : `import(${JSON.stringify(workerUrl.href)})`;

export function createSnapshotFeed(options: SnapshotFeedOptions): SnapshotFeed {
  if (options.controlPlaneUrls.length === 0) throw new Error('no control-plane URL');
  let currentUrl = options.controlPlaneUrls[0]!;
  let worker: Worker | null = null;
  let nextSubscription = 0;
  /** The one live subscription's number and handlers. */
  let live: { id: number; onEnvelope(received: FeedEnvelope): void; onFailure(error: unknown): void } | null = null;
  /** Tasks asked for and not yet answered, by number. */
  const tasks = new Map<number, { resolve(result: FeedTaskResult): void; reject(error: Error): void }>();
  let nextTask = 0;

  function start(): Worker {
    const started = new Worker(workerSource, {
      eval: true,
      workerData: { controlPlaneUrls: options.controlPlaneUrls, dataPlaneToken: options.dataPlaneToken, publicJwk: options.snapshotPublicJwk },
    });
    started.unref();
    started.on('message', (reply: FeedReply) => {
      if (reply.type === 'done') {
        const task = tasks.get(reply.task);
        tasks.delete(reply.task);
        if (reply.result !== undefined) task?.resolve(reply.result);
        else task?.reject(new Error(`the snapshot feed's worker failed a task: ${reply.error}`));
        return;
      }
      if (reply.type === 'failure') currentUrl = reply.url;
      if (live === null || reply.subscription !== live.id) return;
      if (reply.type === 'failure') {
        live.onFailure(new Error(reply.error));
        return;
      }
      if (reply.type === 'spend-floors') live.onEnvelope({ envelope: reply.envelope });
      else {
        const { version, jws, parsed, error } = reply;
        live.onEnvelope({ envelope: { version, jws }, parse: async () => parsed ?? Promise.reject(new Error(error)) });
      }
    });
    const onEnd = (error: Error) => {
      if (worker !== started) return;
      worker = null;
      const failed = live;
      live = null;
      failed?.onFailure(error);
      for (const task of tasks.values()) task.reject(error);
      tasks.clear();
    };
    started.on('error', onEnd);
    started.on('exit', (code) => onEnd(new Error(`snapshot feed worker exited (${code})`)));
    return started;
  }

  function ask(work: FeedTask): Promise<FeedTaskResult> {
    worker ??= start();
    const running = worker;
    const task = nextTask++;
    return new Promise((resolve, reject) => {
      tasks.set(task, { resolve, reject });
      running.postMessage({ type: 'task', task, work } satisfies FeedRequest);
    });
  }

  return {
    get currentUrl() {
      return currentUrl;
    },
    subscribe(lastEventId, handlers) {
      worker ??= start();
      const id = nextSubscription++;
      live = { id, ...handlers };
      worker.postMessage({ type: 'subscribe', subscription: id, lastEventId } satisfies FeedRequest);
      return {
        unsubscribe() {
          if (live?.id !== id) return;
          live = null;
          worker?.postMessage({ type: 'unsubscribe' } satisfies FeedRequest);
        },
      };
    },
    mergeKeys: (held, delta, from) => ask({ kind: 'merge', held, delta, from }) as Promise<MergedKeys>,
    keysJson: (held) => ask({ kind: 'keys-json', held }) as Promise<Uint8Array[]>,
    async close() {
      live = null;
      const running = worker;
      worker = null;
      if (running !== null) await running.terminate();
    },
  };
}
