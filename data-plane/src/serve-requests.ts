// The half of a data plane that serves requests, one per thread that listens: the usage spool and its
// shipper, the upstream client, spend and rate-limit enforcement over the stores it is given, metrics,
// the route table and the listening socket. With one thread (start-data-plane.ts) it runs beside the
// snapshot subscription; with DATA_PLANE_WORKERS > 1 each worker thread runs one (workers/), each with
// its own spool directory, sharing the port (SO_REUSEPORT) and the snapshot and spend stores of the
// main thread. `close()` stops listening, lets requests in flight finish, and flushes and fsyncs.
import type { DataPlaneOptions } from './start-data-plane.ts';
import { GatewayError } from '../../shared/src/errors.ts';
import { lineLog, type Logger } from '../../shared/src/logger.ts';
import type { TemplatedApp } from 'uWebSockets.js';
import { createControlPlaneChannel } from './channel/control-plane-channel.ts';
import { createApp } from './create-app.ts';
import {
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_RESERVATION_TTL_MS,
  DEFAULT_UPSTREAM_TIMEOUT_MS,
  DEFAULT_USAGE_BATCH_SIZE,
  DEFAULT_USAGE_FLUSH_INTERVAL_MS,
} from './data-plane-settings.ts';
import { createGenerationLookup } from './metering/generation-lookup.ts';
import { closeApp, listenExclusively, listenShared, uws } from './http/uws-runtime.ts';
import { DataPlaneMetrics } from './observability/data-plane-metrics.ts';
import { createRequestObserver } from './observability/observe-requests.ts';
import { startTracing } from './observability/tracing.ts';
import { createUpstreamClient } from './pipeline/call-upstream.ts';
import { describeProviderKeys } from './pipeline/provider-availability.ts';
import { readProviderKeys } from './pipeline/provider-keys.ts';
import type { PipelineContext } from './pipeline/pipeline-context.ts';
import type { ClientResponse } from './http/client-response.ts';
import { EndpointHealth, type EndpointHealthObserver } from './pipeline/endpoint-health.ts';
import type { SnapshotStore } from './snapshot/snapshot-store.ts';
import type { SpendFloorStore } from './snapshot/spend-floor-store.ts';
import { createRateLimiter } from './rate-limit/rate-limiter.ts';
import { createAddressLimits, type AddressLimitOptions } from './rate-limit/address-limits.ts';
import { createClientAddressReader } from './http/client-address.ts';
import type { RateLimitStore } from './rate-limit/rate-limit-store.ts';
import type { CounterStore } from './spend/counter-store.ts';
import { createSpendEnforcer } from './spend/spend-enforcer.ts';
import { openShippedSpool } from './usage/open-shipped-spool.ts';
import type { UsageShipper } from './usage/ship-usage.ts';
import type { SpoolFile } from './usage/usage-spool.ts';

/** How long close() waits for requests in flight. */
const DRAIN_TIMEOUT_MS = 10_000;

/** The serving settings; every one can cross to a worker thread (no functions but the optional test hooks). */
export interface ServingSettings extends Pick<
  DataPlaneOptions,
  | 'port'
  | 'dataPlaneToken'
  | 'maxBodyBytes'
  | 'upstreamTimeoutMs'
  | 'upstreamAttemptTimeoutMs'
  | 'upstreamTotalTimeoutMs'
  | 'allowPrivateUpstreams'
  | 'providerKeys'
  | 'usageBatchSize'
  | 'usageFlushIntervalMs'
  | 'usageShipMaxBackoffMs'
  | 'usageSpoolGroupMaxEvents'
  | 'usageSpoolGroupDelayMs'
  | 'usageSpoolSync'
  | 'outlier'
  | 'otlpEndpoint'
  | 'serviceName'
> {
  host: string;
  controlPlaneUrls: readonly string[];
  failOpen?: boolean;
  reservationTtlMs?: number;
  /** Per-address limits for callers without a valid key (rate-limit/address-limits.ts). */
  addressLimits: AddressLimitOptions;
  /** Reverse proxies whose X-Forwarded-For names the client (http/client-address.ts), checked already. */
  trustedProxies: string[];
  /** Keep metrics (a registry per serving thread; the listener is the caller's). */
  metrics: boolean;
}

export interface ServingParts {
  logger: Logger;
  store: SnapshotStore;
  spendFloors: SpendFloorStore;
  counters: CounterStore;
  rateCells: RateLimitStore;
  spoolDirectory: string;
  /** exclusive: the only listener on the port (one thread); shared: one of the workers' SO_REUSEPORT sockets. */
  listen: 'exclusive' | 'shared';
  /** Log which providers this process has keys for (once per process, not once per worker). */
  describeProviderKeys: boolean;
  usageSpoolOpenFile?: (path: string) => Promise<SpoolFile>;
  endpointHealthObserver?: EndpointHealthObserver;
}

export interface Serving {
  port: number;
  metrics: DataPlaneMetrics | null;
  flushUsage(): Promise<void>;
  close(): Promise<void>;
}

export async function startServing(settings: ServingSettings, parts: ServingParts): Promise<Serving> {
  const { logger, store, spendFloors, spoolDirectory } = parts;
  // The components report problems as plain lines (a warning each).
  const log = lineLog(logger, 'warn');
  const upstream = createUpstreamClient({
    timeoutMs: settings.upstreamTimeoutMs ?? DEFAULT_UPSTREAM_TIMEOUT_MS,
    attemptTimeoutMs: settings.upstreamAttemptTimeoutMs,
    totalTimeoutMs: settings.upstreamTotalTimeoutMs,
    allowPrivateUpstreams: settings.allowPrivateUpstreams,
    providerKeys: settings.providerKeys ?? readProviderKeys(),
  });
  const spend = createSpendEnforcer({
    store: parts.counters,
    spendFloor: (orgId) => spendFloors.floor(orgId),
    failOpen: settings.failOpen ?? false,
    reservationTtlMs: settings.reservationTtlMs ?? DEFAULT_RESERVATION_TTL_MS,
    log,
  });
  const rateLimits = createRateLimiter(parts.rateCells, log);
  const addressLimits = createAddressLimits(parts.rateCells, settings.addressLimits, log);
  const clientAddresses = createClientAddressReader(settings.trustedProxies);
  const channel = createControlPlaneChannel({ controlPlaneUrls: settings.controlPlaneUrls, dataPlaneToken: settings.dataPlaneToken });
  const {
    spool,
    shipper: usageShipper,
    recent,
  } = await openShippedSpool({
    directory: spoolDirectory,
    send: (_requestIds, json) => channel.ingestUsage(json),
    batchSize: settings.usageBatchSize ?? DEFAULT_USAGE_BATCH_SIZE,
    intervalMs: settings.usageFlushIntervalMs ?? DEFAULT_USAGE_FLUSH_INTERVAL_MS,
    maxBackoffMs: settings.usageShipMaxBackoffMs,
    groupMaxEvents: settings.usageSpoolGroupMaxEvents,
    groupDelayMs: settings.usageSpoolGroupDelayMs,
    sync: settings.usageSpoolSync,
    openFile: parts.usageSpoolOpenFile,
    log,
  });
  const generations = createGenerationLookup((input) => channel.generation(input), recent);

  /** Requests in flight (graceful shutdown waits for them), and what close() waits on once it began. */
  let inFlight = 0;
  let drained: (() => void) | null = null;
  let closing: Promise<void> | null = null;
  let shipper: UsageShipper | null = null;
  const metrics = !settings.metrics
    ? null
    : new DataPlaneMetrics({
        snapshot: () => {
          const current = store.current();
          return current === null ? null : { version: current.version, appliedAtMs: store.appliedAtMs };
        },
        spoolBacklog: async () => (shipper === null ? { segments: 0, bytes: 0, oldestEventAgeMs: null } : shipper.backlog()),
        usageShipFailures: () => shipper?.failuresTotal ?? 0,
      });
  const tracer = await startTracing({ otlpEndpoint: settings.otlpEndpoint, serviceName: settings.serviceName ?? 'ai-gateway-data-plane' });
  const requestObserver = createRequestObserver(logger, metrics, tracer);
  const observer = parts.endpointHealthObserver;
  const endpointHealth = new EndpointHealth({
    ...settings.outlier,
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
  function requestEnded(response: ClientResponse): void {
    inFlight -= 1;
    requestObserver.ended(response);
    if (inFlight === 0) drained?.();
  }
  const context: PipelineContext = {
    currentSnapshot: () => store.current(),
    upstream,
    endpointHealth,
    spend,
    rateLimits,
    appendUsage: (event, provisional = false) => spool.append(event, provisional),
    generations,
    logger,
    observer: requestObserver,
    track(request, response) {
      inFlight += 1;
      // A `then` of both outcomes, not a `finally` (three promises and two reaction jobs per request); a
      // rejection is passed on, unhandled, as `finally` would. Unnamed closures: tsx names a named one
      // with an `Object.defineProperty` each time it is made (0.85 % of the busy time under wrk).
      void request.then(
        () => requestEnded(response),
        (error: unknown) => {
          requestEnded(response);
          throw error;
        },
      );
    },
    requestStarted() {
      inFlight += 1;
    },
    requestEnded,
    isClosing: () => closing !== null,
    usageSpoolError: () =>
      spool.failure === null
        ? null
        : new GatewayError(
            'usage_spool_unavailable',
            'This gateway instance cannot record usage right now (its usage spool cannot write), so it serves no requests; retry shortly.',
          ),
  };
  const app = createApp(context, { maxBodyBytes: settings.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES, addressLimits, clientAddresses });
  const listenSocket = await listen(app, settings.host, settings.port, parts.listen).catch(async (error: unknown) => {
    await spool.close();
    await upstream.close();
    await spend.close();
    await rateLimits.close();
    throw error;
  });
  const port = uws.us_socket_local_port(listenSocket as Parameters<typeof uws.us_socket_local_port>[0]);

  await usageShipper.start();
  shipper = usageShipper;
  // Which providers requests can reach with this process's keys; the others are skipped (provider-availability.ts).
  if (parts.describeProviderKeys)
    void store.waitFor().then(() => logger.info(`data plane: ${describeProviderKeys(Object.values(store.current()!.state.providers), upstream.providerKeys)}`));

  return {
    port,
    metrics,
    async flushUsage() {
      await spool.flush();
      await usageShipper.shipNow();
    },
    close() {
      closing ??= (async () => {
        uws.us_listen_socket_close(listenSocket as Parameters<typeof uws.us_listen_socket_close>[0]);
        usageShipper.stop();
        let drainTimer: NodeJS.Timeout | undefined;
        await Promise.race([
          inFlight === 0
            ? undefined
            : new Promise<void>((resolve) => {
                drained = resolve;
              }),
          new Promise((resolve) => {
            drainTimer = setTimeout(resolve, DRAIN_TIMEOUT_MS);
          }),
        ]);
        clearTimeout(drainTimer);
        await spool.close();
        await upstream.close();
        await spend.close();
        await rateLimits.close();
        await tracer?.shutdown();
        // A worker thread ends only once its uWS loop holds nothing: keep-alive connections included.
        if (parts.listen === 'shared') closeApp(app);
      })();
      return closing;
    },
  };
}

function listen(app: TemplatedApp, host: string, port: number, mode: 'exclusive' | 'shared'): Promise<unknown> {
  return new Promise<unknown>((resolve, reject) => {
    // Exclusive: by default uWS sets SO_REUSEPORT, so a second data plane started on a port already in
    // use shared it silently and both served (issue 13, defect 10); now it is refused. Workers share
    // the port on purpose, after the main thread made sure no other data plane has it (workers/port-claim.ts).
    (mode === 'exclusive' ? listenExclusively : listenShared)(app, host, port, (socket) => {
      if (socket) resolve(socket);
      else reject(new Error(`data plane could not listen on ${host}:${port}: the port is in use, or the address is not one of this machine's`));
    });
  });
}
