// DATA_PLANE_WORKERS > 1: N worker threads serve requests on one port (data-plane-worker.ts), each with
// its own usage spool; this thread claims the port (port-claim.ts), holds the one snapshot subscription
// and posts what it applies to every worker (follow-snapshots.ts), owns the in-process spend and
// rate-limit stores when there is no Redis (shared-store.ts), and serves /metrics as the sum of the
// workers' registries. close() closes every worker (each stops listening, drains, flushes and fsyncs
// its spool), then the subscription and the files.
import { MessageChannel, Worker } from 'node:worker_threads';
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import { lineLog, type Logger } from '../../../shared/src/logger.ts';
import { servingSettings } from '../data-plane-settings.ts';
import { portableHeldState } from '../snapshot/held-state.ts';
import { listenForMetrics, type MetricsListener } from '../http/serve-metrics.ts';
import { openSharedState } from '../open-shared-state.ts';
import { createInProcessRateLimitStore } from '../rate-limit/in-process-rate-limit-store.ts';
import { createInProcessCounterStore } from '../spend/in-process-counter-store.ts';
import type { DataPlane, DataPlaneOptions } from '../start-data-plane.ts';
import type { FollowedUpdate } from './follow-snapshots.ts';
import { claimPort } from './port-claim.ts';
import { serveStore } from './shared-store.ts';
import { shipOrphanSpools } from './ship-orphan-spools.ts';
import { workerEntrySource } from './worker-entry.ts';
import { workerSpoolDirectory } from './worker-spools.ts';
import type { FromWorker, ToWorker, WorkerData } from './worker-protocol.ts';

/** How the workers' values of one metric add up; the rest (counters, histograms, per-thread gauges) are summed. */
const aggregators: Record<string, 'min' | 'max' | 'first'> = {
  // The oldest snapshot any worker serves, and its age.
  gateway_snapshot_version: 'min',
  gateway_snapshot_age_seconds: 'max',
};

interface RunningWorker {
  worker: Worker;
  index: number;
  version: number | null;
  exited: Promise<void>;
}

export async function startWorkerPool(options: DataPlaneOptions, logger: Logger): Promise<DataPlane> {
  if (options.usageSpoolOpenFile !== undefined || options.endpointHealthObserver !== undefined)
    throw new Error('usageSpoolOpenFile and endpointHealthObserver are functions, which cannot reach worker threads: use workers: 1');
  const count = options.workers!;
  const host = options.host ?? '127.0.0.1';
  const workerSource = await workerEntrySource(
    new URL(import.meta.url.endsWith('.ts') ? './data-plane-worker.ts' : './data-plane-worker.js', import.meta.url),
    lineLog(logger, 'warn'),
  );
  const claim = await claimPort(host, options.port);
  const shared = await openSharedState(options, logger);
  const redisUrl = options.spend?.redisUrl;
  // Without Redis, the workers share this thread's stores (their operations stay atomic: shared-store.ts).
  const counters = redisUrl ? null : createInProcessCounterStore();
  const rateCells = redisUrl ? null : createInProcessRateLimitStore();
  const settings = servingSettings(options, host, claim.port);
  const answers = new Map<number, { resolve(message: Extract<FromWorker, { type: 'answer' }>): void }>();
  let nextAnswer = 0;
  const versionWaiters: Array<{ minVersion: number; resolve(): void }> = [];
  let closing: Promise<void> | null = null;
  /** The workers that listen (a worker reports its version as soon as it holds a snapshot, maybe before). */
  const running: RunningWorker[] = [];

  const minWorkerVersion = () => (running.length < count ? 0 : Math.min(...running.map((worker) => worker.version ?? 0)));
  function versionSeen(): void {
    const min = minWorkerVersion();
    for (const waiter of versionWaiters.splice(0)) {
      if (min >= waiter.minVersion && min > 0) waiter.resolve();
      else versionWaiters.push(waiter);
    }
  }
  function ask(worker: RunningWorker, type: 'flush' | 'metrics'): Promise<Extract<FromWorker, { type: 'answer' }>> {
    const id = nextAnswer++;
    return new Promise((resolve) => {
      answers.set(id, { resolve });
      worker.worker.postMessage({ type, id } satisfies ToWorker);
    });
  }
  const currentState = (): Extract<FollowedUpdate, { kind: 'state' }> => ({
    kind: 'state',
    snapshot: latest === null ? null : { ...latest, state: portableHeldState(latest.state) },
    floors: shared.spendFloors.checkpoint(),
  });
  let latest = shared.loaded;

  function startWorker(index: number): Promise<RunningWorker> {
    const counterChannel = counters === null ? null : new MessageChannel();
    const rateChannel = rateCells === null ? null : new MessageChannel();
    if (counterChannel !== null) serveStore(counterChannel.port1, counters!);
    if (rateChannel !== null) serveStore(rateChannel.port1, rateCells!);
    const data: WorkerData = {
      index,
      settings,
      spoolDirectory: workerSpoolDirectory(options.stateDir, index),
      logLevel: logger.level as WorkerData['logLevel'],
      byokPrivateJwk: options.byokPrivateJwk ?? null,
      redis: redisUrl ? { ...options.spend, redisUrl } : null,
      counterPort: counterChannel?.port2 ?? null,
      ratePort: rateChannel?.port2 ?? null,
      initial: currentState(),
    };
    const worker = new Worker(workerSource, {
      eval: true,
      workerData: data,
      transferList: [counterChannel?.port2, rateChannel?.port2].filter((port) => port != null),
    });
    const self: RunningWorker = {
      worker,
      index,
      version: null,
      exited: new Promise((resolve) => worker.once('exit', () => resolve())),
    };
    void self.exited.then(() => {
      counterChannel?.port1.close();
      rateChannel?.port1.close();
      if (closing === null) logger.fatal(`data plane: worker ${index} stopped; the others keep serving`);
    });
    worker.on('error', (error) => logger.error({ err: error, worker: index }, `data plane: worker ${index} failed`));
    return new Promise((resolve, reject) => {
      worker.on('message', (message: FromWorker) => {
        if (message.type === 'listening') resolve(self);
        else if (message.type === 'failed') {
          reject(new Error(message.error));
          void worker.terminate();
        } else if (message.type === 'version') {
          self.version = message.version;
          versionSeen();
        } else if (message.type === 'state-wanted') worker.postMessage({ type: 'update', update: currentState() } satisfies ToWorker);
        else if (message.type === 'answer') {
          answers.get(message.id)?.resolve(message);
          answers.delete(message.id);
        }
      });
      void self.exited.then(() => reject(new Error(`data plane worker ${index} exited before it listened`)));
    });
  }

  const started = await Promise.allSettled(Array.from({ length: count }, (_, index) => startWorker(index + 1)));
  running.push(...started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : [])));
  versionSeen();
  const failure = started.find((result) => result.status === 'rejected');
  if (failure !== undefined) {
    await closeWorkers(running);
    await shared.closeShared();
    await claim.release();
    throw failure.reason;
  }

  const orphans = await shipOrphanSpools(options.stateDir, count, settings, lineLog(logger, 'warn'));
  const sync = shared.startSync((update) => {
    let followed: FollowedUpdate;
    if (update.kind === 'snapshot') {
      latest = update.snapshot;
      followed = { kind: 'snapshot', envelope: update.envelope, parsed: update.parsed };
    } else followed = { kind: 'spend-floors', message: update.message };
    for (const { worker } of running) worker.postMessage({ type: 'update', update: followed } satisfies ToWorker);
  });

  let metricsListener: MetricsListener | null = null;
  if (options.metrics !== undefined) {
    metricsListener = await listenForMetrics({
      host: options.metrics.host ?? '127.0.0.1',
      port: options.metrics.port,
      token: options.metrics.token ?? null,
      scrape: async () => {
        const registry = AggregatorRegistry.aggregate(await Promise.all(running.map((worker) => workerMetrics(worker))));
        return { body: await registry.metrics(), contentType: registry.contentType };
      },
    });
  }

  async function workerMetrics(worker: RunningWorker): Promise<Array<MetricObjectWithValues<MetricValue<string>>>> {
    const answer = await ask(worker, 'metrics');
    if (answer.error !== undefined) throw new Error(answer.error);
    // Process-wide values (CPU, memory, file descriptors) are the same in every thread: counted once.
    return (answer.metrics ?? []).map((metric) => ({
      ...metric,
      aggregator: aggregators[metric.name] ?? (metric.name.startsWith('process_') ? 'first' : metric.aggregator),
    }));
  }

  async function closeWorkers(workers: readonly RunningWorker[]): Promise<void> {
    for (const { worker } of workers) worker.postMessage({ type: 'close' } satisfies ToWorker);
    await Promise.all(workers.map((worker) => worker.exited));
  }

  const url = `http://${host.includes(':') ? `[${host}]` : host}:${claim.port}`;
  logger.info({ url, workers: count, metricsPort: metricsListener?.port ?? null }, `data plane listening on ${url} with ${count} worker threads`);

  return {
    url,
    port: claim.port,
    metricsPort: metricsListener?.port ?? null,
    snapshotVersion: () => (running.every((worker) => worker.version !== null) ? minWorkerVersion() : null),
    waitForSnapshot(minVersion = 1) {
      return new Promise((resolve) => {
        versionWaiters.push({ minVersion, resolve });
        versionSeen();
      });
    },
    async flushUsage() {
      const flushed = await Promise.all(running.map((worker) => ask(worker, 'flush')));
      const failed = flushed.find((answer) => answer.error !== undefined);
      if (failed !== undefined) throw new Error(failed.error);
    },
    close() {
      closing ??= (async () => {
        await sync.stop();
        await closeWorkers(running);
        await orphans.close();
        await shared.closeShared();
        await counters?.close();
        await rateCells?.close();
        metricsListener?.close();
        await claim.release();
        // Every line logged so far is written before the process may exit.
        await new Promise<void>((resolve) => logger.flush(() => resolve()));
      })();
      return closing;
    },
  };
}
