// A data-plane worker thread (DATA_PLANE_WORKERS > 1): serves requests on the shared port with its own
// usage spool and shipper (serve-requests.ts), keeps its snapshot in step with the main thread's
// (follow-snapshots.ts), and reaches the spend and rate-limit stores through Redis or, without Redis,
// through the main thread's in-process stores (shared-store.ts).
// First, for what they do on import (each says why): String.prototype kept fast (before anything extends
// String), Buffer and performance made plain globals.
import '../fast-string-prototype.ts';
import '../global-data-properties.ts';
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { createLogger, lineLog } from '../../../shared/src/logger.ts';
import { formatStacksUnmapped } from '../../../shared/src/source-mapped-stack.ts';
import { redisCounterStore, redisRateLimitStore } from '../data-plane-settings.ts';
import type { RateLimitStore } from '../rate-limit/rate-limit-store.ts';
import { startServing } from '../serve-requests.ts';
import { createByokDecrypter } from '../snapshot/decrypt-byok-credentials.ts';
import { SnapshotStore } from '../snapshot/snapshot-store.ts';
import { SpendFloorStore } from '../snapshot/spend-floor-store.ts';
import type { CounterStore } from '../spend/counter-store.ts';
import { followSnapshots } from './follow-snapshots.ts';
import { storeClient } from './shared-store.ts';
import type { FromWorker, ToWorker, WorkerData } from './worker-protocol.ts';

const data = workerData as WorkerData;
const port = parentPort!;
const post = (message: FromWorker) => port.postMessage(message);
const logger = createLogger('data-plane', { level: data.logLevel }).child({ worker: data.index });
const log = lineLog(logger, 'warn');

/**
 * The main thread's in-process counter store; it is never unreachable while this thread runs. Only
 * reserve and read are answered: a settlement, release or renewal cannot fail there, and is lost only
 * with the process, store and all.
 */
function sharedCounterStore(channel: MessagePort): CounterStore {
  const client = storeClient<CounterStore>(channel);
  return {
    ...client.calls(['reserve', 'read']),
    ...client.casts(['extend', 'settle', 'release']),
    unreachable: () => null,
    close: async () => client.close(),
  };
}

function sharedRateLimitStore(channel: MessagePort): RateLimitStore {
  const client = storeClient<RateLimitStore>(channel);
  return { ...client.calls(['admit']), ...client.casts(['correct']), unreachable: () => null, close: async () => client.close() };
}

async function run(): Promise<void> {
  const store = new SnapshotStore(await createByokDecrypter(data.byokPrivateJwk, log));
  const spendFloors = new SpendFloorStore();
  const follower = followSnapshots({
    store,
    spendFloors,
    requestState: () => post({ type: 'state-wanted' }),
    onVersion: (version) => post({ type: 'version', version }),
    log,
  });
  follower.apply(data.initial);
  const serving = await startServing(data.settings, {
    logger,
    store,
    spendFloors,
    counters: data.redis !== null ? redisCounterStore(data.redis, logger) : sharedCounterStore(data.counterPort!),
    rateCells: data.redis !== null ? redisRateLimitStore(data.redis, logger) : sharedRateLimitStore(data.ratePort!),
    spoolDirectory: data.spoolDirectory,
    listen: 'shared',
    describeProviderKeys: data.index === 1,
  });
  // As main.ts does once started: the worker's stacks (one per upstream connection the peer closes) are
  // formatted without the source maps, and its logger maps those it writes.
  formatStacksUnmapped();
  port.on('message', (message: ToWorker) => {
    if (message.type === 'update') follower.apply(message.update);
    else if (message.type === 'flush')
      serving.flushUsage().then(
        () => post({ type: 'answer', id: message.id }),
        (error: unknown) => post({ type: 'answer', id: message.id, error: String(error) }),
      );
    else if (message.type === 'metrics')
      (serving.metrics?.registry.getMetricsAsJSON() ?? Promise.resolve([])).then(
        (metrics) => post({ type: 'answer', id: message.id, metrics }),
        (error: unknown) => post({ type: 'answer', id: message.id, error: String(error) }),
      );
    else
      void serving.close().then(() =>
        // Closed once its log is written: the process may exit right after.
        logger.flush(() => {
          post({ type: 'closed' });
          port.close();
        }),
      );
  });
  post({ type: 'listening', port: serving.port });
}

run().catch((error: unknown) => post({ type: 'failed', error: error instanceof Error ? error.message : String(error) }));
