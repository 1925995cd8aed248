// DataPlaneOptions read once into what each part of a data plane takes: the serving settings (which cross
// to worker threads as they are), the control-plane URLs, and the Redis stores when REDIS_URL is set.
import { availableParallelism } from 'node:os';
import type { Logger } from '../../shared/src/logger.ts';
import { lineLog } from '../../shared/src/logger.ts';
import { createRedisRateLimitStore } from './rate-limit/redis-rate-limit-store.ts';
import { DEFAULT_ADDRESS_LIMITS } from './rate-limit/address-limits.ts';
import { parseTrustedProxies } from './http/client-address.ts';
import type { RateLimitStore } from './rate-limit/rate-limit-store.ts';
import type { ServingSettings } from './serve-requests.ts';
import type { CounterStore } from './spend/counter-store.ts';
import { createRedisCounterStore } from './spend/redis-counter-store.ts';
import type { DataPlaneOptions, SpendOptions } from './start-data-plane.ts';

export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;
export const DEFAULT_UPSTREAM_TIMEOUT_MS = 120_000;
export const DEFAULT_USAGE_BATCH_SIZE = 500;
export const DEFAULT_USAGE_FLUSH_INTERVAL_MS = 1_000;
/**
 * Node flags every launcher of the data plane's CLI passes (npm start, the bench; docs/configuration.md).
 * V8 collects garbage on the data plane's own thread instead of splitting each scavenge among helper
 * threads: a data plane pinned to one CPU (or in a one-CPU container) ran those helpers on that same CPU,
 * beside the requests, and in the middle of a request-serving turn. With the young generation at 16 MiB
 * semi-spaces, each scavenge copies less and pauses shorter than at 32 (the young generation's size
 * measured before: 0.86× the CPU per request at 32, but pauses of 4-13 ms, once a second at 500
 * requests/s). Side by side at 500 requests/s (bench/compare-data-planes.ts, docs/architecture.md): p99
 * 0.54×, p99.9 0.37-0.44×, CPU per request 0.93-1.06×.
 * --no-allocation-site-pretenuring: V8 had switched about twenty allocation sites to allocate straight in
 * the old generation (it had seen their objects survive scavenges). On the request path those
 * objects die young, but dead in the old generation until the next mark-compact they kept every young
 * object they pointed at alive through the scavenges, which promoted those too: about 3 KB per request,
 * 1.3 MB and a 9-10 ms pause per scavenge at 500 requests/s, against 0.3 KB and 1.5 ms without
 * (bench/measure-promotion.ts; docs/architecture.md, "Where the time goes").
 */
export const DATA_PLANE_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=16', '--single-threaded-gc', '--no-allocation-site-pretenuring'];
/** A crashed data plane's spend reservations lapse after this. */
export const DEFAULT_RESERVATION_TTL_MS = 60_000;
const DEFAULT_SPEND_KEY_PREFIX = 'gw:spend:';

/**
 * DATA_PLANE_WORKERS when unset: a serving thread per CPU this process may run on (its affinity, as
 * taskset sets it; not a container's CPU quota), so a data plane uses every core; 1 where worker threads
 * cannot share a port (they need Linux's SO_REUSEPORT and abstract sockets: workers/port-claim.ts).
 */
export function defaultWorkerCount(): number {
  return process.platform === 'linux' ? availableParallelism() : 1;
}

export function controlPlaneUrlsOf(options: DataPlaneOptions): readonly string[] {
  return typeof options.controlPlaneUrl === 'string' ? [options.controlPlaneUrl] : options.controlPlaneUrl;
}

export function servingSettings(options: DataPlaneOptions, host: string, port: number): ServingSettings {
  return {
    host,
    port,
    controlPlaneUrls: controlPlaneUrlsOf(options),
    dataPlaneToken: options.dataPlaneToken,
    maxBodyBytes: options.maxBodyBytes,
    upstreamTimeoutMs: options.upstreamTimeoutMs,
    upstreamAttemptTimeoutMs: options.upstreamAttemptTimeoutMs,
    upstreamTotalTimeoutMs: options.upstreamTotalTimeoutMs,
    allowPrivateUpstreams: options.allowPrivateUpstreams,
    providerKeys: options.providerKeys,
    usageBatchSize: options.usageBatchSize,
    usageFlushIntervalMs: options.usageFlushIntervalMs,
    usageShipMaxBackoffMs: options.usageShipMaxBackoffMs,
    usageSpoolGroupMaxEvents: options.usageSpoolGroupMaxEvents,
    usageSpoolGroupDelayMs: options.usageSpoolGroupDelayMs,
    usageSpoolSync: options.usageSpoolSync,
    outlier: options.outlier,
    failOpen: options.spend?.failOpen,
    reservationTtlMs: options.spend?.reservationTtlMs,
    addressLimits: {
      anonymousPerMinute: options.addressLimits?.anonymousPerMinute ?? DEFAULT_ADDRESS_LIMITS.anonymousPerMinute,
      authFailuresPerMinute: options.addressLimits?.authFailuresPerMinute ?? DEFAULT_ADDRESS_LIMITS.authFailuresPerMinute,
    },
    trustedProxies: parseTrustedProxies((options.trustedProxies ?? []).join(',')),
    metrics: options.metrics !== undefined,
    otlpEndpoint: options.otlpEndpoint,
    serviceName: options.serviceName,
  };
}

export function redisCounterStore(spend: SpendOptions & { redisUrl: string }, logger: Logger): CounterStore {
  return createRedisCounterStore({
    url: spend.redisUrl,
    keyPrefix: spend.keyPrefix ?? DEFAULT_SPEND_KEY_PREFIX,
    commandTimeoutMs: spend.commandTimeoutMs,
    log: lineLog(logger, 'warn'),
  });
}

/** The rate limits use the spend counters' Redis and key prefix. */
export function redisRateLimitStore(spend: SpendOptions & { redisUrl: string }, logger: Logger): RateLimitStore {
  return createRedisRateLimitStore({
    url: spend.redisUrl,
    keyPrefix: spend.keyPrefix ?? DEFAULT_SPEND_KEY_PREFIX,
    commandTimeoutMs: spend.commandTimeoutMs,
    log: lineLog(logger, 'warn'),
  });
}

/** 127.0.0.0/8, ::1 and localhost: a listener there is reachable from this machine only. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export function checkMetricsExposure(options: DataPlaneOptions): void {
  const host = options.metrics?.host ?? '127.0.0.1';
  if (options.metrics !== undefined && (options.metrics.token ?? null) === null && !isLoopback(host)) {
    throw new Error(`metrics on ${host} are reachable from other machines: set a metrics token (METRICS_TOKEN), or listen on a loopback address`);
  }
}
