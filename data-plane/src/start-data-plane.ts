// Builds and starts a data plane: native uWS check, load the last good snapshot from disk
// (open-shared-state.ts), open the usage spool and listen (serve-requests.ts), subscribe to the control
// plane, start shipping usage. With workers > 1 the serving half runs once per worker thread, all on one
// port (workers/start-worker-pool.ts). `close()` undoes it in reverse: stop listening, let requests in
// flight finish, stop the subscription, flush and fsync.
import type { AddressLimitOptions } from './rate-limit/address-limits.ts';
import type { JWK } from 'jose';
import { createLogger, lineLog, type Logger } from '../../shared/src/logger.ts';
import { checkMetricsExposure, redisCounterStore, redisRateLimitStore, servingSettings } from './data-plane-settings.ts';
import { listenForMetrics, type MetricsListener } from './http/serve-metrics.ts';
import { assertNativeUws } from './http/uws-runtime.ts';
import { openSharedState } from './open-shared-state.ts';
import type { EndpointHealthObserver, OutlierOptions } from './pipeline/endpoint-health.ts';
import type { ProviderKeys } from './pipeline/provider-keys.ts';
import { createInProcessRateLimitStore } from './rate-limit/in-process-rate-limit-store.ts';
import { createInProcessCounterStore } from './spend/in-process-counter-store.ts';
import type { SpoolFile, SpoolSync } from './usage/usage-spool.ts';
import { shipOrphanSpools } from './workers/ship-orphan-spools.ts';
import { workerSpoolDirectory } from './workers/worker-spools.ts';

export interface DataPlaneOptions {
  port: number;
  /** Default 127.0.0.1. */
  host?: string;
  /**
   * Threads serving requests on the port; default 1: the calling thread serves. (The CLI's DATA_PLANE_WORKERS
   * defaults to the CPU count instead: data-plane-settings.ts, defaultWorkerCount.)
   * Above 1, worker threads do, each with its own usage spool (spool/, spool-2/...), and the calling
   * thread holds the snapshot subscription and the in-process spend and rate-limit stores they share.
   * Options that are functions (usageSpoolOpenFile, endpointHealthObserver) are refused then.
   */
  workers?: number;
  /** The control plane, or its replicas in order of preference (the channel moves on when one fails). */
  controlPlaneUrl: string | readonly string[];
  dataPlaneToken: string;
  snapshotPublicJwk: JWK;
  /** Private X25519 JWK that opens the snapshot's BYOK provider keys; null = BYOK keys are unusable here. */
  byokPrivateJwk?: JWK | null;
  /** Holds snapshot.json, snapshot-deltas.jws, spend-floors.jws and spool/. */
  stateDir: string;
  /** Default 4 MiB. */
  maxBodyBytes?: number;
  /** Upstream body idle timeout, and the default of the two below; default 120 000 ms. */
  upstreamTimeoutMs?: number;
  /** One upstream attempt, until its headers (streams: its first event); default upstreamTimeoutMs. */
  upstreamAttemptTimeoutMs?: number;
  /** All attempts of a request (retries, fallbacks, waits) until the first byte; default upstreamTimeoutMs. */
  upstreamTotalTimeoutMs?: number;
  /** Call upstreams on private, loopback, link-local and metadata addresses; default false (refused with a 502). */
  allowPrivateUpstreams?: boolean;
  /** Platform provider keys by variable name; default the *_API_KEY variables of the environment, read now. */
  providerKeys?: ProviderKeys;
  /** Events per ingestUsage call; default 500. */
  usageBatchSize?: number;
  /** How often spooled usage is shipped; default 1000 ms. */
  usageFlushIntervalMs?: number;
  /** Longest wait between shipping attempts while the control plane is unreachable; default 30 000 ms. */
  usageShipMaxBackoffMs?: number;
  /** Most usage events the spool writes and fdatasyncs as one group; default 1000. */
  usageSpoolGroupMaxEvents?: number;
  /** How long a spool group waits for more events before its write; default 0 (one event-loop turn). */
  usageSpoolGroupDelayMs?: number;
  /** When a request's usage event counts as recorded: after the write (default) or after fdatasync. */
  usageSpoolSync?: SpoolSync;
  /** The spool's file layer; tests pass one whose disk fails. */
  usageSpoolOpenFile?: (path: string) => Promise<SpoolFile>;
  /** Outlier ejection of failing endpoints (endpoint-health.ts); defaults as Envoy's: 5 failures, 30 s growing to 300 s. */
  outlier?: OutlierOptions;
  /** Told of every ejection and restoration, beside the log (metrics). */
  endpointHealthObserver?: EndpointHealthObserver;
  /** Spend counters: in-process unless redisUrl is set (required when several data planes serve one org). Rate limits use the same Redis. */
  spend?: SpendOptions;
  /** Per-address limits for requests without a key and for failed authentications; default 60 and 30 per minute (0 = none). */
  addressLimits?: Partial<AddressLimitOptions>;
  /** Reverse proxies (addresses, CIDR ranges) whose X-Forwarded-For names the client; default none (the socket's peer). */
  trustedProxies?: readonly string[];
  /** Default: JSON lines on stdout at LOG_LEVEL (shared/src/logger.ts). */
  logger?: Logger;
  /** GET /metrics on a listener of its own; unset = no metrics are kept. */
  metrics?: MetricsOptions;
  /** OTLP/HTTP endpoint for traces (OTEL_EXPORTER_OTLP_ENDPOINT); unset = no tracing, the SDK not even loaded. */
  otlpEndpoint?: string;
  /** The spans' service.name; default ai-gateway-data-plane. */
  serviceName?: string;
}

export interface MetricsOptions {
  port: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Bearer token a scrape must send; required when host is not a loopback address. */
  token?: string | null;
}

export interface SpendOptions {
  redisUrl?: string;
  /** Prefix of every Redis key (the rate limits' too); default `gw:spend:`. */
  keyPrefix?: string;
  /** Serve without limits while Redis is unreachable instead of answering 503; default false. */
  failOpen?: boolean;
  /** A crashed data plane's reservations lapse after this; default 60 000 ms. */
  reservationTtlMs?: number;
  /** A Redis command not answered within this fails (then fail closed or open); default 5000 ms. */
  commandTimeoutMs?: number;
}

export interface DataPlane {
  /** http://host:port */
  url: string;
  port: number;
  /** The metrics listener's port, when metrics are on. */
  metricsPort: number | null;
  snapshotVersion(): number | null;
  waitForSnapshot(minVersion?: number): Promise<void>;
  /** Writes pending usage events and ships everything spooled to the control plane now. */
  flushUsage(): Promise<void>;
  close(): Promise<void>;
}

export async function startDataPlane(options: DataPlaneOptions): Promise<DataPlane> {
  assertNativeUws();
  const logger = options.logger ?? createLogger('data-plane');
  checkMetricsExposure(options);
  // Each half is imported when it is used: a pool's main thread never serves, so it does not load the
  // request path (half the data plane's modules, ~1.3 CPU-s from sources) its workers load again.
  if ((options.workers ?? 1) > 1) return (await import('./workers/start-worker-pool.ts')).startWorkerPool(options, logger);
  const { startServing } = await import('./serve-requests.ts');
  const host = options.host ?? '127.0.0.1';
  const { store, spendFloors, startSync, closeShared } = await openSharedState(options, logger);
  const spendOptions = options.spend ?? {};
  const redisUrl = spendOptions.redisUrl;
  const serving = await startServing(servingSettings(options, host, options.port), {
    logger,
    store,
    spendFloors,
    counters: redisUrl ? redisCounterStore({ ...spendOptions, redisUrl }, logger) : createInProcessCounterStore(),
    rateCells: redisUrl ? redisRateLimitStore({ ...spendOptions, redisUrl }, logger) : createInProcessRateLimitStore(),
    spoolDirectory: workerSpoolDirectory(options.stateDir, 1),
    listen: 'exclusive',
    describeProviderKeys: true,
    usageSpoolOpenFile: options.usageSpoolOpenFile,
    endpointHealthObserver: options.endpointHealthObserver,
  }).catch(async (error: unknown) => {
    await closeShared();
    throw error;
  });
  const orphans = await shipOrphanSpools(options.stateDir, 1, servingSettings(options, host, options.port), lineLog(logger, 'warn'));
  const sync = startSync();
  let metricsListener: MetricsListener | null = null;
  const registry = serving.metrics?.registry;
  if (registry !== undefined && options.metrics !== undefined) {
    metricsListener = await listenForMetrics({
      host: options.metrics.host ?? '127.0.0.1',
      port: options.metrics.port,
      token: options.metrics.token ?? null,
      scrape: async () => ({ body: await registry.metrics(), contentType: registry.contentType }),
    });
  }

  const url = `http://${host.includes(':') ? `[${host}]` : host}:${serving.port}`;
  logger.info({ url, metricsPort: metricsListener?.port ?? null, tracing: options.otlpEndpoint !== undefined }, `data plane listening on ${url}`);
  let closing: Promise<void> | null = null;
  return {
    url,
    port: serving.port,
    metricsPort: metricsListener?.port ?? null,
    snapshotVersion: () => store.current()?.version ?? null,
    waitForSnapshot: (minVersion) => store.waitFor(minVersion),
    flushUsage: () => serving.flushUsage(),
    close() {
      closing ??= (async () => {
        await sync.stop();
        await serving.close();
        await orphans.close();
        await closeShared();
        metricsListener?.close();
        // Every line logged so far is written before the process may exit.
        await new Promise<void>((resolve) => logger.flush(() => resolve()));
      })();
      return closing;
    },
  };
}
