// Builds and starts a data plane: native uWS check, load the last good snapshot from disk, open the
// usage spool, listen, subscribe to the control plane, start shipping usage. `close()` undoes it in
// reverse: stop listening, let requests in flight finish, stop the subscription, flush and fsync.
import { join } from 'node:path';
import type { JWK } from 'jose';
import { createSnapshotVerifier } from '../../shared/src/crypto.ts';
import { GatewayError } from '../../shared/src/errors.ts';
import { createLogger, lineLog, type Logger } from '../../shared/src/logger.ts';
import { createControlPlaneChannel } from './channel/control-plane-channel.ts';
import { createSnapshotFeed } from './snapshot/snapshot-feed.ts';
import { createApp } from './create-app.ts';
import { createGenerationLookup } from './metering/generation-lookup.ts';
import { listenForMetrics, type MetricsListener } from './http/serve-metrics.ts';
import { assertNativeUws, listenExclusively, uws } from './http/uws-runtime.ts';
import { DataPlaneMetrics } from './observability/data-plane-metrics.ts';
import { createRequestObserver } from './observability/observe-requests.ts';
import { startTracing } from './observability/tracing.ts';
import { createUpstreamClient } from './pipeline/call-upstream.ts';
import { describeProviderKeys } from './pipeline/provider-availability.ts';
import { readProviderKeys, type ProviderKeys } from './pipeline/provider-keys.ts';
import type { PipelineContext } from './pipeline/pipeline-context.ts';
import { loadSnapshotFile, SnapshotFileWriter } from './snapshot/load-snapshot.ts';
import { createByokDecrypter } from './snapshot/decrypt-byok-credentials.ts';
import { SnapshotStore } from './snapshot/snapshot-store.ts';
import { SpendFloorFile } from './snapshot/spend-floor-file.ts';
import { SpendFloorStore } from './snapshot/spend-floor-store.ts';
import { startSnapshotSync } from './snapshot/sync-snapshots.ts';
import { createInProcessRateLimitStore } from './rate-limit/in-process-rate-limit-store.ts';
import { createRateLimiter } from './rate-limit/rate-limiter.ts';
import { createRedisRateLimitStore } from './rate-limit/redis-rate-limit-store.ts';
import { createInProcessCounterStore } from './spend/in-process-counter-store.ts';
import { createRedisCounterStore } from './spend/redis-counter-store.ts';
import { createSpendEnforcer, DEFAULT_RESERVATION_TTL_MS } from './spend/spend-enforcer.ts';
import { EndpointHealth, type EndpointHealthObserver, type OutlierOptions } from './pipeline/endpoint-health.ts';
import { RecentUsageEvents } from './usage/recent-usage-events.ts';
import { closeInterruptedStreams, UsageShipper } from './usage/ship-usage.ts';
import { UsageSpool, type SpoolFile, type SpoolSync } from './usage/usage-spool.ts';

export interface DataPlaneOptions {
  port: number;
  /** Default 127.0.0.1. */
  host?: string;
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

export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;
export const DEFAULT_UPSTREAM_TIMEOUT_MS = 120_000;
export const DEFAULT_USAGE_BATCH_SIZE = 500;
export const DEFAULT_USAGE_FLUSH_INTERVAL_MS = 1_000;
/** How long close() waits for requests in flight. */
const DRAIN_TIMEOUT_MS = 10_000;

export async function startDataPlane(options: DataPlaneOptions): Promise<DataPlane> {
  assertNativeUws();
  const logger = options.logger ?? createLogger('data-plane');
  // The components report problems as plain lines (a warning each); the snapshot sync also reports its connections.
  const log = lineLog(logger, 'warn');
  const host = options.host ?? '127.0.0.1';
  const metricsHost = options.metrics?.host ?? '127.0.0.1';
  const metricsToken = options.metrics?.token ?? null;
  if (options.metrics !== undefined && metricsToken === null && !isLoopback(metricsHost)) {
    throw new Error(`metrics on ${metricsHost} are reachable from other machines: set a metrics token (METRICS_TOKEN), or listen on a loopback address`);
  }

  const verifier = await createSnapshotVerifier(options.snapshotPublicJwk);
  const snapshotPath = join(options.stateDir, 'snapshot.json');
  const store = new SnapshotStore(await createByokDecrypter(options.byokPrivateJwk ?? null, log));
  const loaded = await loadSnapshotFile(snapshotPath, verifier, log);
  const initial = loaded?.snapshot ?? null;
  if (initial !== null) {
    await store.set(initial);
    logger.info({ version: initial.version, path: snapshotPath }, `data plane: serving snapshot version ${initial.version} from ${snapshotPath}`);
  }
  const snapshotWriter = new SnapshotFileWriter(snapshotPath, log, loaded ?? undefined);
  const spendFloors = new SpendFloorStore();
  const spendFloorFile = new SpendFloorFile(join(options.stateDir, 'spend-floors.jws'), log);
  await spendFloorFile.load(verifier, spendFloors);

  const spoolDirectory = join(options.stateDir, 'spool');
  const recentUsage = new RecentUsageEvents();
  const spool = await UsageSpool.open({
    directory: spoolDirectory,
    groupMaxEvents: options.usageSpoolGroupMaxEvents,
    groupDelayMs: options.usageSpoolGroupDelayMs,
    sync: options.usageSpoolSync,
    openFile: options.usageSpoolOpenFile,
    onWritten: (segment, written) => recentUsage.add(segment, written),
    log,
  });
  // Streams the last process was killed in the middle of are billed at their worst case, once.
  const interrupted = await closeInterruptedStreams(spoolDirectory, (event) => spool.append(event));
  if (interrupted > 0) log(`usage spool: ${interrupted} streams were cut by the last process's end; their provisional usage records are final now`);
  const upstream = createUpstreamClient({
    timeoutMs: options.upstreamTimeoutMs ?? DEFAULT_UPSTREAM_TIMEOUT_MS,
    attemptTimeoutMs: options.upstreamAttemptTimeoutMs,
    totalTimeoutMs: options.upstreamTotalTimeoutMs,
    allowPrivateUpstreams: options.allowPrivateUpstreams,
    providerKeys: options.providerKeys ?? readProviderKeys(),
  });
  const spendOptions = options.spend ?? {};
  const spend = createSpendEnforcer({
    store: spendOptions.redisUrl
      ? createRedisCounterStore({ url: spendOptions.redisUrl, keyPrefix: spendOptions.keyPrefix ?? 'gw:spend:', log })
      : createInProcessCounterStore(),
    spendFloor: (orgId) => spendFloors.floor(orgId),
    failOpen: spendOptions.failOpen ?? false,
    reservationTtlMs: spendOptions.reservationTtlMs ?? DEFAULT_RESERVATION_TTL_MS,
    log,
  });
  const rateLimits = createRateLimiter(
    spendOptions.redisUrl
      ? createRedisRateLimitStore({ url: spendOptions.redisUrl, keyPrefix: spendOptions.keyPrefix ?? 'gw:spend:', log })
      : createInProcessRateLimitStore(),
    log,
  );
  const controlPlaneUrls = typeof options.controlPlaneUrl === 'string' ? [options.controlPlaneUrl] : options.controlPlaneUrl;
  const channel = createControlPlaneChannel({ controlPlaneUrls, dataPlaneToken: options.dataPlaneToken });

  const generations = createGenerationLookup((input) => channel.generation(input));

  const inFlight = new Set<Promise<void>>();
  let closing: Promise<void> | null = null;
  let shipper: UsageShipper | null = null;
  const metrics =
    options.metrics === undefined
      ? null
      : new DataPlaneMetrics({
          snapshot: () => {
            const current = store.current();
            return current === null ? null : { version: current.version, appliedAtMs: store.appliedAtMs };
          },
          spoolBacklog: async () => (shipper === null ? { segments: 0, bytes: 0, oldestEventAgeMs: null } : shipper.backlog()),
          usageShipFailures: () => shipper?.failuresTotal ?? 0,
        });
  const tracer = await startTracing({ otlpEndpoint: options.otlpEndpoint, serviceName: options.serviceName ?? 'ai-gateway-data-plane' });
  const requestObserver = createRequestObserver(logger, metrics, tracer);
  const observer = options.endpointHealthObserver;
  const endpointHealth = new EndpointHealth({
    ...options.outlier,
    observer: {
      ejected(endpoint, cooldownMs, ejections) {
        log(
          `endpoint ejected: provider ${endpoint.providerId}, model ${endpoint.upstreamModel}: ${ejections} ejection(s) in a row, skipped for ${cooldownMs} ms`,
        );
        const slug = store.current()?.state.providers[endpoint.providerId]?.slug ?? endpoint.providerId;
        requestObserver.endpointEjected(`${slug}/${endpoint.upstreamModel}`);
        observer?.ejected(endpoint, cooldownMs, ejections);
      },
      restored(endpoint) {
        log(`endpoint restored: provider ${endpoint.providerId}, model ${endpoint.upstreamModel}`);
        observer?.restored(endpoint);
      },
    },
  });
  const context: PipelineContext = {
    currentSnapshot: () => store.current(),
    upstream,
    endpointHealth,
    spend,
    rateLimits,
    async appendUsage(event, provisional = false) {
      await spool.append(event, provisional);
      if (!provisional) generations.remember(event);
    },
    generations,
    logger,
    observer: requestObserver,
    track(request, response) {
      inFlight.add(request);
      void request.finally(() => {
        inFlight.delete(request);
        requestObserver.ended(response);
      });
    },
    isClosing: () => closing !== null,
    usageSpoolError: () =>
      spool.failure === null
        ? null
        : new GatewayError(
            'usage_spool_unavailable',
            'This gateway instance cannot record usage right now (its usage spool cannot write), so it serves no requests; retry shortly.',
          ),
  };
  const app = createApp(context, { maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES });
  const listenSocket = await new Promise<unknown>((resolve, reject) => {
    // Exclusive: by default uWS sets SO_REUSEPORT, so a second data plane started on a port already in
    // use shared it silently and both served (issue 13, defect 10); now it is refused.
    listenExclusively(app, host, options.port, (socket) => {
      if (socket) resolve(socket);
      else reject(new Error(`data plane could not listen on ${host}:${options.port}: the port is in use, or the address is not one of this machine's`));
    });
  }).catch(async (error: unknown) => {
    await spool.close();
    await upstream.close();
    await spend.close();
    await rateLimits.close();
    throw error;
  });
  const port = uws.us_socket_local_port(listenSocket as Parameters<typeof uws.us_socket_local_port>[0]);

  const feed = createSnapshotFeed({ controlPlaneUrls, dataPlaneToken: options.dataPlaneToken, snapshotPublicJwk: options.snapshotPublicJwk });
  const sync = startSnapshotSync({ feed, verifier, store, writer: snapshotWriter, spendFloors, spendFloorFile, initial, log: lineLog(logger, 'info') });
  const usageShipper = new UsageShipper({
    directory: spoolDirectory,
    activeSegment: () => spool.activeSegment,
    send: (events) => channel.ingestUsage(events),
    batchSize: options.usageBatchSize ?? DEFAULT_USAGE_BATCH_SIZE,
    intervalMs: options.usageFlushIntervalMs ?? DEFAULT_USAGE_FLUSH_INTERVAL_MS,
    maxBackoffMs: options.usageShipMaxBackoffMs,
    recent: recentUsage,
    log,
  });
  await usageShipper.start();
  shipper = usageShipper;
  let metricsListener: MetricsListener | null = null;
  if (metrics !== null && options.metrics !== undefined) {
    metricsListener = await listenForMetrics({
      host: metricsHost,
      port: options.metrics.port,
      token: metricsToken,
      scrape: async () => ({ body: await metrics.registry.metrics(), contentType: metrics.registry.contentType }),
    });
  }

  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  logger.info({ url, metricsPort: metricsListener?.port ?? null, tracing: tracer !== null }, `data plane listening on ${url}`);
  // Which providers requests can reach with this process's keys; the others are skipped (provider-availability.ts).
  void store.waitFor().then(() => logger.info(`data plane: ${describeProviderKeys(Object.values(store.current()!.state.providers), upstream.providerKeys)}`));

  return {
    url,
    port,
    metricsPort: metricsListener?.port ?? null,
    snapshotVersion: () => store.current()?.version ?? null,
    waitForSnapshot: (minVersion) => store.waitFor(minVersion),
    async flushUsage() {
      await spool.flush();
      await usageShipper.shipNow();
    },
    close() {
      closing ??= (async () => {
        uws.us_listen_socket_close(listenSocket as Parameters<typeof uws.us_listen_socket_close>[0]);
        sync.stop();
        await feed.close();
        usageShipper.stop();
        let drainTimer: NodeJS.Timeout | undefined;
        await Promise.race([
          Promise.allSettled([...inFlight]),
          new Promise((resolve) => {
            drainTimer = setTimeout(resolve, DRAIN_TIMEOUT_MS);
          }),
        ]);
        clearTimeout(drainTimer);
        await spool.close();
        await snapshotWriter.flush();
        await spendFloorFile.flush();
        await upstream.close();
        await spend.close();
        await rateLimits.close();
        metricsListener?.close();
        await tracer?.shutdown();
        logger.flush();
      })();
      return closing;
    },
  };
}

/** 127.0.0.0/8, ::1 and localhost: a listener there is reachable from this machine only. */
function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
