// This data plane's own rolling measurements of each upstream endpoint (provider + upstream model), kept
// in memory and never shared: what `provider.sort` ranks by (rank-endpoints.ts) and Envoy-style outlier
// ejection. Written by the metered route: one record per upstream attempt (call-endpoints.ts) and one per
// served answer's usage (metered-route.ts), each a map lookup and a few number updates; no timers, and
// nothing allocated per request once an endpoint has its record.
//
// - TTFT: attempt start → the answer is final (headers; a stream's first event), EWMA.
// - Throughput: completion tokens ÷ the upstream's whole answer time, EWMA, for answers that produced some.
// - Error rate: EWMA of attempt failures (the retryable ones that fall back: connect errors, timeouts,
//   408/409/429/5xx); a final answer of any other status counts as a success, a client abort as neither.
// - Ejection: `consecutiveFailures` failures in a row eject the endpoint for `baseEjectionMs` × the number
//   of times it was ejected in a row (at most `maxEjectionMs`), as Envoy's consecutive_5xx does. While
//   ejected it is tried after every other endpoint (still tried when nothing else is left). Once the
//   cool-down is over, the next attempt on it is a probe: while that probe is in flight other requests
//   still place the endpoint last; it succeeding restores the endpoint, it failing ejects it again for longer.
import type { SnapshotEndpoint } from '../../../shared/src/snapshot.ts';

export interface OutlierOptions {
  /** Failed attempts in a row that eject an endpoint; default 5; 0 = never eject. */
  consecutiveFailures?: number;
  /** The first ejection's cool-down; each further one in a row adds as much; default 30 000 ms. */
  baseEjectionMs?: number;
  /** Longest cool-down; default 300 000 ms. */
  maxEjectionMs?: number;
}

/** What the metrics and the log are told (obs: ejections by endpoint). */
export interface EndpointHealthObserver {
  ejected(endpoint: EndpointKey, cooldownMs: number, ejections: number): void;
  restored(endpoint: EndpointKey): void;
}

export type EndpointKey = Pick<SnapshotEndpoint, 'providerId' | 'upstreamModel'>;

/** How one attempt ended, for the error rate and ejection. */
export type AttemptOutcome = 'success' | 'failure' | 'aborted';

const TIMING_ALPHA = 0.3;
const ERROR_ALPHA = 0.1;

export const DEFAULT_OUTLIER_OPTIONS: Required<OutlierOptions> = { consecutiveFailures: 5, baseEjectionMs: 30_000, maxEjectionMs: 300_000 };

export class EndpointStats {
  readonly providerId: string;
  readonly upstreamModel: string;
  /** EWMA of the time to the final answer, ms; NaN until measured. */
  ttftMs = Number.NaN;
  /** EWMA of completion tokens per second; NaN until measured. */
  tokensPerSecond = Number.NaN;
  /** EWMA of failed attempts (0 to 1). */
  errorRate = 0;
  consecutiveFailures = 0;
  /** Ejections in a row (reset by a success). */
  ejections = 0;
  /** performance.now() when the cool-down ends; 0 = not ejected (after it ends: on probation until an attempt tells). */
  ejectedUntil = 0;
  /** An attempt on the endpoint after its cool-down is in flight. */
  probing = false;

  constructor(endpoint: EndpointKey) {
    this.providerId = endpoint.providerId;
    this.upstreamModel = endpoint.upstreamModel;
  }

  /** Skipped in favour of the others: cooling down, or its probe is in flight. */
  isEjected(now: number): boolean {
    return this.ejectedUntil !== 0 && (now < this.ejectedUntil || this.probing);
  }
}

export interface EndpointHealthOptions extends OutlierOptions {
  observer?: EndpointHealthObserver | null;
  /** Injectable for tests: the clock (ms) and the weighted draw's randomness. */
  now?: () => number;
  random?: () => number;
}

export class EndpointHealth {
  readonly now: () => number;
  readonly random: () => number;
  readonly #outlier: Required<OutlierOptions>;
  readonly #observer: EndpointHealthObserver | null;
  /** By the snapshot's endpoint object: the lookup every request makes. */
  readonly #byEndpoint = new WeakMap<EndpointKey, EndpointStats>();
  /** By provider and upstream model: a new snapshot version's endpoint objects find the measurements made so far. */
  readonly #byName = new Map<string, EndpointStats>();

  constructor(options: EndpointHealthOptions = {}) {
    this.#outlier = {
      consecutiveFailures: options.consecutiveFailures ?? DEFAULT_OUTLIER_OPTIONS.consecutiveFailures,
      baseEjectionMs: options.baseEjectionMs ?? DEFAULT_OUTLIER_OPTIONS.baseEjectionMs,
      maxEjectionMs: options.maxEjectionMs ?? DEFAULT_OUTLIER_OPTIONS.maxEjectionMs,
    };
    this.#observer = options.observer ?? null;
    this.now = options.now ?? (() => performance.now());
    this.random = options.random ?? Math.random;
  }

  statsOf(endpoint: EndpointKey): EndpointStats {
    let stats = this.#byEndpoint.get(endpoint);
    if (stats !== undefined) return stats;
    const name = `${endpoint.providerId}\n${endpoint.upstreamModel}`;
    stats = this.#byName.get(name);
    if (stats === undefined) {
      stats = new EndpointStats(endpoint);
      this.#byName.set(name, stats);
    }
    this.#byEndpoint.set(endpoint, stats);
    return stats;
  }

  /** An attempt on the endpoint begins: after its cool-down, this one is the probe. */
  attemptStarted(stats: EndpointStats): void {
    if (stats.ejectedUntil !== 0 && this.now() >= stats.ejectedUntil) stats.probing = true;
  }

  /** The attempt ended; `ttftMs` when it answered (its answer final). */
  attemptEnded(stats: EndpointStats, outcome: AttemptOutcome, ttftMs = 0): void {
    const wasProbing = stats.probing;
    stats.probing = false;
    if (outcome === 'aborted') return;
    if (outcome === 'success') {
      stats.errorRate -= ERROR_ALPHA * stats.errorRate;
      stats.ttftMs = Number.isNaN(stats.ttftMs) ? ttftMs : stats.ttftMs + TIMING_ALPHA * (ttftMs - stats.ttftMs);
      stats.consecutiveFailures = 0;
      if (stats.ejectedUntil !== 0) {
        stats.ejectedUntil = 0;
        stats.ejections = 0;
        this.#observer?.restored(stats);
      }
      return;
    }
    stats.errorRate += ERROR_ALPHA * (1 - stats.errorRate);
    stats.consecutiveFailures += 1;
    const options = this.#outlier;
    // A failed probe ejects again at once; otherwise an endpoint not yet ejected is after N failures in a row.
    if (wasProbing || (stats.ejectedUntil === 0 && options.consecutiveFailures > 0 && stats.consecutiveFailures >= options.consecutiveFailures)) {
      stats.ejections += 1;
      const cooldownMs = Math.min(options.baseEjectionMs * stats.ejections, options.maxEjectionMs);
      stats.ejectedUntil = this.now() + cooldownMs;
      this.#observer?.ejected(stats, cooldownMs, stats.ejections);
    }
  }

  /** A served answer's completion tokens over the upstream's answer time. */
  recordThroughput(endpoint: EndpointKey, completionTokens: number, upstreamMs: number | null): void {
    if (completionTokens <= 0 || upstreamMs === null || upstreamMs <= 0) return;
    const stats = this.statsOf(endpoint);
    const tokensPerSecond = (completionTokens * 1000) / upstreamMs;
    stats.tokensPerSecond = Number.isNaN(stats.tokensPerSecond)
      ? tokensPerSecond
      : stats.tokensPerSecond + TIMING_ALPHA * (tokensPerSecond - stats.tokensPerSecond);
  }
}
