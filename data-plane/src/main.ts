// The data plane's command line: refuse the uWS JavaScript fallback, read the environment, start,
// and close gracefully on SIGTERM/SIGINT (stop listening, finish requests, flush and fsync the spool).
// First, for what they do on import (each says why): String.prototype kept fast (before anything extends
// String), Buffer and performance made plain globals.
import './fast-string-prototype.ts';
import './global-data-properties.ts';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { JWK } from 'jose';
import { createLogger, logLevelFromEnv } from '../../shared/src/logger.ts';
import { formatStacksUnmapped } from '../../shared/src/source-mapped-stack.ts';
import { parseAllowPrivateUpstreams } from '../../shared/src/upstream-address.ts';
import { isNativeUws, UWS_FALLBACK_MESSAGE } from './http/uws-runtime.ts';
import { parseTrustedProxies } from './http/client-address.ts';
import { DEFAULT_ADDRESS_LIMITS } from './rate-limit/address-limits.ts';
import * as defaults from './data-plane-settings.ts';
import { startDataPlane } from './start-data-plane.ts';
import { DEFAULT_GROUP_MAX_EVENTS, DEFAULT_SPOOL_SYNC, spoolSyncModes, type SpoolSync } from './usage/usage-spool.ts';

const help = `Usage: node --max-semi-space-size=16 --single-threaded-gc --no-allocation-site-pretenuring --import tsx data-plane/src/main.ts [--help]

The gateway's data plane. It needs a control plane for its configuration, but once it has a snapshot on
disk it starts and serves without one. --single-threaded-gc (npm start passes it too) keeps V8's garbage
collection on the thread it collects for, instead of helper threads that share the data plane's CPU;
with --max-semi-space-size=16 (MiB, V8's young generation) each scavenge pauses the requests for less;
--no-allocation-site-pretenuring keeps a request's short-lived objects out of the old generation, where dead
they kept the young objects they point at alive through the scavenges.

Routes (each also under /api/gateway and /api/gateway/v1 in place of /v1):
  POST /v1/chat/completions         OpenAI chat completions, streamed (SSE) or not
  POST /v1/responses                OpenAI Responses API (stateless)
  POST /v1/messages                 Anthropic Messages (key as x-api-key or Bearer)
  POST /v1/messages/count_tokens    Anthropic's token count, from the gateway's estimate
  POST /v1/fim/completions          Codestral fill-in-the-middle
  POST /v1/embeddings               OpenAI embeddings (OpenAI-compatible providers, Mistral, Gemini)
  GET  /v1/models                   the models a request can reach (a provider key is set, or BYOK);
                                    the key's allowed ones when one is sent; ?all=true: every one,
                                    with "available"
  GET  /v1/generation?id=<id>       one request's usage record, for the key that made it
  GET  /v1/usage                    the key's daily limit and spend, and the org's balance
  GET  /healthz                     200 with the snapshot version; 503 before the first snapshot,
                                    while the usage spool cannot write, or while REDIS_URL's Redis
                                    is down (unless SPEND_FAIL_OPEN=true); never rate limited

Environment:
  DATA_PLANE_PORT           port to listen on                                  default 8080
  DATA_PLANE_HOST           address to listen on                               default 127.0.0.1
  DATA_PLANE_WORKERS        threads serving requests on the port (Linux for
                            more than 1): each has its own usage spool
                            (spool/, spool-2/...); they share one snapshot
                            subscription and, without REDIS_URL, the main
                            thread's spend counters and rate limits; spools
                            above the count (after lowering it) still ship.
                            Default: the CPUs this process may run on (its
                            affinity, not a container's CPU quota; 1 outside
                            Linux)                                             default ${defaults.defaultWorkerCount()} here
  CONTROL_PLANE_URL         the control plane (tRPC at <url>/trpc), or its
                            replicas comma-separated in order of preference:
                            the snapshot subscription and usage shipping move
                            to the next one when the current one fails         default http://127.0.0.1:4000
  DATA_PLANE_TOKEN          this data plane's channel token                    required (or the file below)
  DATA_PLANE_TOKEN_FILE     file holding the token                             -
  SNAPSHOT_PUBLIC_KEY_FILE  JWK (JSON) that verifies snapshot signatures       required
  DATA_PLANE_ENCRYPTION_KEY_FILE
                            private JWK (X25519) that opens BYOK provider keys
                            in snapshots; unset = requests needing one fail    -
  DATA_PLANE_STATE_DIR      last good snapshot, spend floors and usage spool  default ./.data/data-plane
  MAX_BODY_BYTES            request body limit (413 above it)                  default ${defaults.DEFAULT_MAX_BODY_BYTES}
  UPSTREAM_TIMEOUT_MS       upstream body idle timeout                         default ${defaults.DEFAULT_UPSTREAM_TIMEOUT_MS}
  UPSTREAM_ATTEMPT_TIMEOUT_MS
                            one upstream attempt, until its headers (streams:
                            until the first event)                             default UPSTREAM_TIMEOUT_MS
  UPSTREAM_TOTAL_TIMEOUT_MS
                            every attempt of a request (retries, fallbacks,
                            waits) until the first byte                        default UPSTREAM_TIMEOUT_MS
  OUTLIER_CONSECUTIVE_FAILURES
                            failed attempts in a row that eject an endpoint
                            (tried after every other one while ejected);
                            0 = never eject                                    default 5
  OUTLIER_BASE_EJECTION_MS  an ejection's cool-down, times the ejections in a
                            row (then one probe: success restores it)          default 30000
  OUTLIER_MAX_EJECTION_MS   longest cool-down                                  default 300000
  ALLOW_PRIVATE_UPSTREAMS   true = call providers whose base URL is (or resolves
                            to) a private, loopback, link-local or metadata
                            address; false = refuse them (502)                 default false
  USAGE_BATCH_SIZE          usage events per ingest call (1 to 5000)           default ${defaults.DEFAULT_USAGE_BATCH_SIZE}
  USAGE_FLUSH_INTERVAL_MS   how often spooled usage is shipped                 default ${defaults.DEFAULT_USAGE_FLUSH_INTERVAL_MS}
  USAGE_SHIP_MAX_BACKOFF_MS longest wait between shipping attempts while the
                            control plane is unreachable                       default 30000
  USAGE_SPOOL_GROUP_MAX_EVENTS
                            most usage events written and fdatasynced together
                            (one group commit)                                 default ${DEFAULT_GROUP_MAX_EVENTS}
  USAGE_SPOOL_GROUP_DELAY_MS
                            how long a group waits for more events before its
                            write (0: the events of one event-loop turn)       default 0
  USAGE_SPOOL_SYNC          write = a response finishes once its usage event is
                            written (survives a crash or SIGKILL of this
                            process; a machine crash loses up to the last
                            200 ms, fdatasynced in the background);
                            fdatasync = only after its fdatasync (survives a
                            power cut; every request waits for the disk)       default ${DEFAULT_SPOOL_SYNC}
  REDIS_URL                 spend counters (balances, daily limits) shared by
                            several data planes; unset = in-process counters   unset
  SPEND_KEY_PREFIX          prefix of the spend counters' Redis keys           default gw:spend:
  SPEND_FAIL_OPEN           true = serve without spend limits while Redis is
                            unreachable; false = answer 503                    default false
  SPEND_RESERVATION_TTL_MS  a crashed data plane's spend reservations lapse
                            after this                                         default ${defaults.DEFAULT_RESERVATION_TTL_MS}
  IP_ANONYMOUS_RPM          requests per minute per client address answered
                            without a key (GET /v1/models without one, unknown
                            routes), then 429; 0 = unlimited                   default ${DEFAULT_ADDRESS_LIMITS.anonymousPerMinute}
  IP_AUTH_FAILURES_PER_MINUTE
                            requests with a missing, unknown or expired key per
                            minute per client address; past it every request
                            from the address (any key) gets 429 until the
                            minute's allowance refills; 0 = unlimited          default ${DEFAULT_ADDRESS_LIMITS.authFailuresPerMinute}
  DATA_PLANE_TRUSTED_PROXIES
                            reverse proxies (addresses and CIDR ranges, comma-
                            separated) whose X-Forwarded-For names the client
                            for the per-address limits; unset = the socket's
                            peer is the client (the header is ignored).
                            IPv6 clients count per /64                         unset
  LOG_LEVEL                 trace, debug, info, warn, error, fatal or silent;
                            info writes one access-log line per request        default info
  LOG_FORMAT                pretty = lines for people (pino-pretty); else one
                            JSON object per line                               default json
  METRICS_PORT              serve GET /metrics (Prometheus) on this port, apart
                            from the API; unset = no metrics are kept          unset
  METRICS_HOST              address of the metrics listener; other than a
                            loopback address it requires METRICS_TOKEN         default 127.0.0.1
  METRICS_TOKEN             a scrape must send Authorization: Bearer <token>   unset
  METRICS_TOKEN_FILE        file holding the metrics token                     -
  OTEL_EXPORTER_OTLP_ENDPOINT
                            send traces (OTLP/HTTP, to <endpoint>/v1/traces):
                            a span per request, one per upstream attempt; a
                            client's W3C traceparent is honoured and passed on.
                            Unset = no tracing (the SDK is not loaded)         unset
  OTEL_SERVICE_NAME         service.name of the spans                          default ai-gateway-data-plane
  UWS_USE_FALLBACK          read by uWebSockets.js: when set it loads its JavaScript emulation, and
                            the data plane refuses to start (as it does whenever the native binary
                            does not load)

Provider keys: each provider record names the variable holding its platform key (apiKeyEnv), which
must end in _API_KEY; the data plane reads those variables once at start (no other variable is ever
sent to a provider, and a key changed later needs a restart). The imported catalog's providers use
OPENAI_API_KEY, ANTHROPIC_API_KEY, GEMINI_API_KEY, XAI_API_KEY, MISTRAL_API_KEY, MINIMAX_API_KEY,
DEEPSEEK_API_KEY, GROQ_API_KEY, COHERE_API_KEY, PERPLEXITY_API_KEY, MOONSHOT_API_KEY, TOGETHER_API_KEY,
FIREWORKS_API_KEY and CEREBRAS_API_KEY. Unset, requests to that
provider go without a key (it refuses them: 502) unless the organization brought its own (BYOK).
`;

function fail(message: string): never {
  process.stderr.write(`data plane: ${message}\n`);
  process.exit(1);
}

/** CONTROL_PLANE_URL: one http(s) URL, or several separated by commas. */
function controlPlaneUrlsFromEnv(): string[] {
  const raw = process.env.CONTROL_PLANE_URL || 'http://127.0.0.1:4000';
  const urls = raw.split(',').map((part) => part.trim());
  for (const url of urls) {
    if (!URL.canParse(url) || !['http:', 'https:'].includes(new URL(url).protocol)) {
      fail(`CONTROL_PLANE_URL must be http(s) URLs separated by commas, got '${raw}'`);
    }
  }
  return urls;
}

/** REDIS_URL: a redis:// or rediss:// URL (a bare host:port would be read as something else entirely). */
function redisUrlFromEnv(): string | undefined {
  const raw = process.env.REDIS_URL;
  if (!raw) return undefined;
  if (!URL.canParse(raw) || !['redis:', 'rediss:'].includes(new URL(raw).protocol))
    fail('REDIS_URL must be a redis:// or rediss:// URL (not printed: it may hold a password)');
  return raw;
}

function numberFromEnv(name: string, fallback: number | undefined): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) fail(`${name} must be a non-negative number, got '${raw}'`);
  return value;
}

async function main(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(help);
    return;
  }
  if (!isNativeUws()) fail(UWS_FALLBACK_MESSAGE);
  const controlPlaneUrls = controlPlaneUrlsFromEnv();
  const port = numberFromEnv('DATA_PLANE_PORT', 8080) as number;
  if (!Number.isInteger(port) || port > 65535) fail(`DATA_PLANE_PORT must be a port number (0 to 65535), got '${process.env.DATA_PLANE_PORT}'`);
  const redisUrl = redisUrlFromEnv();
  const workers = numberFromEnv('DATA_PLANE_WORKERS', defaults.defaultWorkerCount()) as number;
  if (!Number.isInteger(workers) || workers < 1)
    fail(`DATA_PLANE_WORKERS must be a whole number of threads (1 or more), got '${process.env.DATA_PLANE_WORKERS}'`);
  let logLevel: ReturnType<typeof logLevelFromEnv> = 'info';
  try {
    logLevel = logLevelFromEnv();
  } catch (error) {
    fail((error as Error).message);
  }
  const logger = createLogger('data-plane', { level: logLevel });
  const metricsPort = numberFromEnv('METRICS_PORT', undefined);
  if (metricsPort !== undefined && (!Number.isInteger(metricsPort) || metricsPort > 65535))
    fail(`METRICS_PORT must be a port number, got '${process.env.METRICS_PORT}'`);
  let metricsToken = process.env.METRICS_TOKEN || null;
  if (!metricsToken && process.env.METRICS_TOKEN_FILE) metricsToken = (await readFile(process.env.METRICS_TOKEN_FILE, 'utf8')).trim() || null;

  let token = process.env.DATA_PLANE_TOKEN;
  if (!token && process.env.DATA_PLANE_TOKEN_FILE) token = (await readFile(process.env.DATA_PLANE_TOKEN_FILE, 'utf8')).trim();
  if (!token) fail('set DATA_PLANE_TOKEN or DATA_PLANE_TOKEN_FILE (see --help)');
  const keyFile = process.env.SNAPSHOT_PUBLIC_KEY_FILE;
  if (!keyFile) fail('set SNAPSHOT_PUBLIC_KEY_FILE (see --help)');
  const snapshotPublicJwk = JSON.parse(await readFile(keyFile, 'utf8')) as JWK;
  const byokKeyFile = process.env.DATA_PLANE_ENCRYPTION_KEY_FILE;
  const byokPrivateJwk = byokKeyFile ? (JSON.parse(await readFile(byokKeyFile, 'utf8')) as JWK) : null;

  const failOpen = process.env.SPEND_FAIL_OPEN ?? 'false';
  if (failOpen !== 'true' && failOpen !== 'false') fail(`SPEND_FAIL_OPEN must be true or false, got '${failOpen}'`);
  let allowPrivateUpstreams = false;
  try {
    allowPrivateUpstreams = parseAllowPrivateUpstreams(process.env.ALLOW_PRIVATE_UPSTREAMS, false);
  } catch (error) {
    fail((error as Error).message);
  }
  let trustedProxies: string[] = [];
  try {
    trustedProxies = parseTrustedProxies(process.env.DATA_PLANE_TRUSTED_PROXIES);
  } catch (error) {
    fail((error as Error).message);
  }
  const spoolSync = process.env.USAGE_SPOOL_SYNC || DEFAULT_SPOOL_SYNC;
  if (!(spoolSyncModes as readonly string[]).includes(spoolSync)) fail(`USAGE_SPOOL_SYNC must be fdatasync or write, got '${spoolSync}'`);
  const dataPlane = await startDataPlane({
    port,
    host: process.env.DATA_PLANE_HOST || '127.0.0.1',
    workers,
    controlPlaneUrl: controlPlaneUrls,
    dataPlaneToken: token,
    snapshotPublicJwk,
    byokPrivateJwk,
    stateDir: resolve(process.env.DATA_PLANE_STATE_DIR || '.data/data-plane'),
    maxBodyBytes: numberFromEnv('MAX_BODY_BYTES', undefined),
    upstreamTimeoutMs: numberFromEnv('UPSTREAM_TIMEOUT_MS', undefined),
    upstreamAttemptTimeoutMs: numberFromEnv('UPSTREAM_ATTEMPT_TIMEOUT_MS', undefined),
    upstreamTotalTimeoutMs: numberFromEnv('UPSTREAM_TOTAL_TIMEOUT_MS', undefined),
    allowPrivateUpstreams,
    outlier: {
      consecutiveFailures: numberFromEnv('OUTLIER_CONSECUTIVE_FAILURES', undefined),
      baseEjectionMs: numberFromEnv('OUTLIER_BASE_EJECTION_MS', undefined),
      maxEjectionMs: numberFromEnv('OUTLIER_MAX_EJECTION_MS', undefined),
    },
    usageBatchSize: numberFromEnv('USAGE_BATCH_SIZE', undefined),
    usageFlushIntervalMs: numberFromEnv('USAGE_FLUSH_INTERVAL_MS', undefined),
    usageShipMaxBackoffMs: numberFromEnv('USAGE_SHIP_MAX_BACKOFF_MS', undefined),
    spend: {
      redisUrl,
      keyPrefix: process.env.SPEND_KEY_PREFIX || undefined,
      failOpen: failOpen === 'true',
      reservationTtlMs: numberFromEnv('SPEND_RESERVATION_TTL_MS', undefined),
    },
    addressLimits: {
      anonymousPerMinute: numberFromEnv('IP_ANONYMOUS_RPM', undefined),
      authFailuresPerMinute: numberFromEnv('IP_AUTH_FAILURES_PER_MINUTE', undefined),
    },
    trustedProxies,
    usageSpoolGroupMaxEvents: numberFromEnv('USAGE_SPOOL_GROUP_MAX_EVENTS', undefined),
    usageSpoolGroupDelayMs: numberFromEnv('USAGE_SPOOL_GROUP_DELAY_MS', undefined),
    usageSpoolSync: spoolSync as SpoolSync,
    logger,
    metrics: metricsPort === undefined ? undefined : { port: metricsPort, host: process.env.METRICS_HOST || undefined, token: metricsToken },
    otlpEndpoint: process.env.OTEL_EXPORTER_OTLP_ENDPOINT || undefined,
    serviceName: process.env.OTEL_SERVICE_NAME || undefined,
  });
  // Every module is loaded: from here stacks are formatted without the source maps (each upstream
  // connection the peer closes formats one on the request loop), and the logger maps those it writes.
  formatStacksUnmapped();

  let shuttingDown = false;
  const shutdown = (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info(`data plane: ${signal}, closing`);
    dataPlane.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.fatal({ err: error }, 'data plane: close failed');
        logger.flush(() => process.exit(1));
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => fail(error instanceof Error ? error.message : String(error)));
