// The data plane's Prometheus metrics (prom-client), in a registry of its own per data plane. Labels are
// bounded: route patterns, front doors, catalog models and provider slugs, HTTP statuses, error codes;
// never request ids or key ids. A request updates them once, when it ends, through handles cached per
// label set (RequestMetrics.forRequest), so the hot path does no label hashing after the first request
// of a kind: those handles add to plain numbers, handed to prom-client when a scrape reads the metric
// (pending-series.ts). Gauges whose value lives elsewhere (spool backlog, snapshot, reservations) are read at scrape.
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { PendingCounter, PendingHistogram } from './pending-series.ts';

/** Seconds: from a 25 ms cache hit to a 10-minute stream. */
const LATENCY_BUCKETS = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];
/**
 * How often the event-loop delay monitor samples, in ms. prom-client's default, 10, is a timer waking the
 * loop 100 times a second: about 7 ms of CPU a second on the bench machine, 17 µs per request at 400 req/s,
 * more than the metrics of the request itself. Every 100 ms still catches any stall longer than that.
 */
const EVENT_LOOP_SAMPLE_MS = 100;
/** Label sets per route beyond which new (model, provider, status) combinations share the label `other`. */
const MAX_LABEL_SETS_PER_ROUTE = 2_000;

/** What the scrape reads from the rest of the data plane. */
export interface DataPlaneGauges {
  snapshot(): { version: number; appliedAtMs: number | null } | null;
  spoolBacklog(): Promise<{ segments: number; bytes: number; oldestEventAgeMs: number | null }>;
  usageShipFailures(): number;
}

/** The handles one (route, door, model, provider, status) combination updates. */
export interface RequestHandles {
  requests: { inc(): void };
  latency: { observe(value: number): void };
  ttft: { observe(value: number): void };
  upstreamLatency: { observe(value: number): void };
  inputTokens: { inc(value: number): void };
  outputTokens: { inc(value: number): void };
  costMicros: { inc(value: number): void };
}

export class DataPlaneMetrics {
  readonly registry = new Registry();
  readonly #requests: PendingCounter<'route' | 'door' | 'model' | 'provider' | 'status'>;
  readonly #latency: PendingHistogram<'model' | 'provider'>;
  readonly #ttft: PendingHistogram<'model' | 'provider'>;
  readonly #upstreamLatency: PendingHistogram<'model' | 'provider'>;
  readonly #tokens: PendingCounter<'model' | 'provider' | 'type'>;
  readonly #cost: PendingCounter<'model' | 'provider'>;
  readonly #retries: Counter<'endpoint'>;
  readonly #fallbacks: Counter<'endpoint'>;
  readonly #attemptFailures: Counter<'endpoint' | 'error'>;
  readonly #ejections: Counter<'endpoint'>;
  readonly #limitRefusals: Counter<'kind'>;
  /**
   * The two gauges a request moves, kept as plain numbers and read by their collect at a scrape:
   * prom-client's inc and dec validate and hash the (empty) labels on every call, twice a metered request.
   */
  #openStreams = 0;
  #reservationsHeld = 0;
  /** Per route: label-set key → handles. */
  readonly #handles = new Map<string, Map<string, RequestHandles>>();
  /**
   * The last request's labels and handles: a busy data plane serves run after run of the same
   * combination, which then costs four comparisons instead of a key string built and hashed per request.
   */
  #lastRoute = '';
  #lastModel = '';
  #lastProvider = '';
  #lastStatus = 0;
  #lastHandles: RequestHandles | null = null;

  constructor(gauges: DataPlaneGauges) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
    this.#requests = new PendingCounter({
      name: 'gateway_requests_total',
      help: 'Requests by route, front door, requested model, provider that answered and status',
      labelNames: ['route', 'door', 'model', 'provider', 'status'],
      registers,
    });
    const histogram = (name: string, help: string) =>
      new PendingHistogram<'model' | 'provider'>({ name, help, labelNames: ['model', 'provider'], buckets: LATENCY_BUCKETS, registers });
    this.#latency = histogram('gateway_request_duration_seconds', 'Time from the request to its last byte, metered requests');
    this.#ttft = histogram('gateway_time_to_first_token_seconds', 'Time from the request to the first byte of the answer');
    this.#upstreamLatency = histogram('gateway_upstream_duration_seconds', 'Time from the answering attempt to its last byte');
    this.#tokens = new PendingCounter({
      name: 'gateway_tokens_total',
      help: 'Tokens metered, by type (input, output)',
      labelNames: ['model', 'provider', 'type'],
      registers,
    });
    this.#cost = new PendingCounter({
      name: 'gateway_cost_microdollars_total',
      help: 'Cost metered, in microdollars',
      labelNames: ['model', 'provider'],
      registers,
    });
    const byEndpoint = (name: string, help: string) => new Counter({ name, help, labelNames: ['endpoint'], registers }) as Counter<'endpoint'>;
    this.#retries = byEndpoint('gateway_upstream_retries_total', 'Upstream attempts retried on the same endpoint (provider/upstream model)');
    this.#fallbacks = byEndpoint('gateway_upstream_fallbacks_total', 'Requests that moved on from this endpoint to the next');
    this.#ejections = byEndpoint('gateway_outlier_ejections_total', 'Times an endpoint was taken out of rotation as an outlier');
    this.#attemptFailures = new Counter({
      name: 'gateway_upstream_attempt_failures_total',
      help: 'Failed upstream attempts by endpoint and the gateway error they became',
      labelNames: ['endpoint', 'error'],
      registers,
    });
    this.#limitRefusals = new Counter({
      name: 'gateway_limit_refusals_total',
      help: 'Requests refused by a limit (402/429), by error code',
      labelNames: ['kind'],
      registers,
    });
    const held = () => this.#reservationsHeld;
    const open = () => this.#openStreams;
    new Gauge({
      name: 'gateway_open_streams',
      help: 'Streamed answers being relayed',
      registers,
      collect() {
        this.set(open());
      },
    });
    new Gauge({
      name: 'gateway_spend_reservations_held',
      help: 'Spend reservations held by requests in flight',
      registers,
      collect() {
        this.set(held());
      },
    });
    new Gauge({
      name: 'gateway_snapshot_version',
      help: 'Version of the snapshot being served (0 before the first)',
      registers,
      collect() {
        this.set(gauges.snapshot()?.version ?? 0);
      },
    });
    new Gauge({
      name: 'gateway_snapshot_age_seconds',
      help: 'Time since the snapshot being served was applied (a newer version resets it)',
      registers,
      collect() {
        const appliedAtMs = gauges.snapshot()?.appliedAtMs;
        if (appliedAtMs != null) this.set((Date.now() - appliedAtMs) / 1000);
      },
    });
    // One read of the spool directory per scrape, shared by the three gauges.
    let backlog: ReturnType<DataPlaneGauges['spoolBacklog']> | null = null;
    const readBacklog = () => {
      backlog ??= gauges.spoolBacklog().finally(() => setImmediate(() => (backlog = null)));
      return backlog;
    };
    new Gauge({
      name: 'gateway_usage_spool_segments',
      help: 'Usage spool segments not yet shipped to the control plane',
      registers,
      async collect() {
        this.set((await readBacklog()).segments);
      },
    });
    new Gauge({
      name: 'gateway_usage_spool_bytes',
      help: 'Usage spool bytes not yet shipped to the control plane',
      registers,
      async collect() {
        this.set((await readBacklog()).bytes);
      },
    });
    new Gauge({
      name: 'gateway_usage_spool_oldest_unshipped_age_seconds',
      help: 'Age of the oldest usage event not yet shipped (0 when none)',
      registers,
      async collect() {
        this.set(((await readBacklog()).oldestEventAgeMs ?? 0) / 1000);
      },
    });
    new Gauge({
      name: 'gateway_usage_ship_failures',
      help: 'Failed usage shipments since start (a counter read from the shipper)',
      registers,
      collect() {
        this.set(gauges.usageShipFailures());
      },
    });
  }

  /** The handles of one combination, made on its first request and reused after. */
  forRequest(route: string, door: string, model: string, provider: string, status: number): RequestHandles {
    if (
      this.#lastHandles !== null &&
      status === this.#lastStatus &&
      route === this.#lastRoute &&
      model === this.#lastModel &&
      provider === this.#lastProvider
    ) {
      return this.#lastHandles;
    }
    const handles = this.#handlesOf(route, door, model, provider, status);
    this.#lastRoute = route;
    this.#lastModel = model;
    this.#lastProvider = provider;
    this.#lastStatus = status;
    this.#lastHandles = handles;
    return handles;
  }

  #handlesOf(route: string, door: string, model: string, provider: string, status: number): RequestHandles {
    let byRoute = this.#handles.get(route);
    if (byRoute === undefined) this.#handles.set(route, (byRoute = new Map()));
    const key = `${model}\n${provider}\n${status}`;
    let handles = byRoute.get(key);
    if (handles !== undefined) return handles;
    if (byRoute.size >= MAX_LABEL_SETS_PER_ROUTE) {
      model = 'other';
      provider = 'other';
      const overflow = byRoute.get(`other\nother\n${status}`);
      if (overflow !== undefined) return overflow;
    }
    const pair = { model, provider };
    const pairKey = `${model}\n${provider}`;
    handles = {
      requests: this.#requests.series(`${route}\n${door}\n${pairKey}\n${status}`, { route, door, model, provider, status: String(status) }),
      latency: this.#latency.series(pairKey, pair),
      ttft: this.#ttft.series(pairKey, pair),
      upstreamLatency: this.#upstreamLatency.series(pairKey, pair),
      inputTokens: this.#tokens.series(`${pairKey}\ninput`, { model, provider, type: 'input' }),
      outputTokens: this.#tokens.series(`${pairKey}\noutput`, { model, provider, type: 'output' }),
      costMicros: this.#cost.series(pairKey, pair),
    };
    byRoute.set(byRoute.size >= MAX_LABEL_SETS_PER_ROUTE ? `other\nother\n${status}` : key, handles);
    return handles;
  }

  streamOpened(): void {
    this.#openStreams += 1;
  }

  streamClosed(): void {
    this.#openStreams -= 1;
  }

  /** A spend reservation taken (+1) or given back (-1). */
  reservationHeld(delta: 1 | -1): void {
    this.#reservationsHeld += delta;
  }

  attemptFailed(endpoint: string, error: string, next: 'retry' | 'next-endpoint' | 'give-up'): void {
    this.#attemptFailures.labels({ endpoint, error }).inc();
    if (next === 'retry') this.#retries.labels({ endpoint }).inc();
    else if (next === 'next-endpoint') this.#fallbacks.labels({ endpoint }).inc();
  }

  endpointEjected(endpoint: string): void {
    this.#ejections.labels({ endpoint }).inc();
  }

  limitRefused(kind: string): void {
    this.#limitRefusals.labels({ kind }).inc();
  }
}
