// The control plane's Prometheus metrics (prom-client), one registry per control plane, and the log
// line of each GraphQL and tRPC operation (who did it, how it ended). Labels are bounded: operation names
// come from the schema and the router (an unknown GraphQL operation name is `anonymous`), faces and
// outcomes are fixed; no actor, org or key is a label. Served at GET /metrics (create-http-handler.ts).
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Logger } from '../../../shared/src/logger.ts';
import type { Database } from '../db/open-database.ts';
import type { EndedOperation, OperationSpans } from './operation-spans.ts';
import type { Actor } from './service-context.ts';

const OPERATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export interface ControlPlaneGauges {
  snapshotVersion(): number;
  database: Pick<Database, 'engine' | 'poolStats'>;
}

export class ControlPlaneMetrics {
  readonly registry = new Registry();
  readonly #operations: Counter<'face' | 'operation' | 'outcome'>;
  readonly #operationSeconds: Histogram<'face' | 'operation'>;
  readonly #ingestBatches: Counter;
  readonly #ingestRows: Counter<'result'>;
  readonly #compileSeconds: Histogram<'kind'>;
  readonly #snapshotBytes: Gauge;
  /** Data planes subscribed to snapshots (the tRPC subscription counts them in and out). */
  readonly snapshotSubscribers: Gauge;
  /** The operations' OpenTelemetry spans when an OTLP endpoint is set, else null. */
  spans: OperationSpans | null = null;

  constructor(gauges: ControlPlaneGauges) {
    const registers = [this.registry];
    // The event-loop delay is sampled every 100 ms, not prom-client's default 10 ms: that timer woke an idle
    // control plane 100 times a second, half its idle CPU, beside the data plane under `npm start`.
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 100 });
    this.#operations = new Counter({
      name: 'control_plane_operations_total',
      help: 'GraphQL and tRPC operations by face, operation and outcome (ok, error)',
      labelNames: ['face', 'operation', 'outcome'],
      registers,
    });
    this.#operationSeconds = new Histogram({
      name: 'control_plane_operation_duration_seconds',
      help: 'GraphQL and tRPC operation latency',
      labelNames: ['face', 'operation'],
      buckets: OPERATION_BUCKETS,
      registers,
    });
    this.#ingestBatches = new Counter({ name: 'control_plane_usage_ingest_batches_total', help: 'Usage batches ingested from data planes', registers });
    this.#ingestRows = new Counter({
      name: 'control_plane_usage_ingest_rows_total',
      help: 'Usage events ingested, by result: inserted, duplicate (a retried batch), unbilled (org gone), dead_lettered (refused, kept in the audit log)',
      labelNames: ['result'],
      registers,
    });
    this.#compileSeconds = new Histogram({
      name: 'control_plane_snapshot_compile_seconds',
      help: 'Snapshot compiles: whole (every row read) or changed rows only',
      labelNames: ['kind'],
      buckets: OPERATION_BUCKETS,
      registers,
    });
    this.#snapshotBytes = new Gauge({ name: 'control_plane_snapshot_bytes', help: "Size of the last whole snapshot's state, as JSON", registers });
    new Gauge({
      name: 'control_plane_snapshot_version',
      help: 'Current snapshot version',
      registers,
      collect() {
        this.set(gauges.snapshotVersion());
      },
    });
    this.snapshotSubscribers = new Gauge({ name: 'control_plane_snapshot_subscribers', help: 'Snapshot subscriptions open (data planes)', registers });
    registerDatabaseGauges(gauges.database, registers);
  }

  operation(face: 'graphql' | 'trpc', operation: string, ok: boolean, seconds: number): void {
    this.#operations.inc({ face, operation, outcome: ok ? 'ok' : 'error' });
    this.#operationSeconds.observe({ face, operation }, seconds);
  }

  usageIngested(result: { inserted: number; duplicates: number; unbilled?: number; deadLettered?: number }): void {
    this.#ingestBatches.inc();
    this.#ingestRows.inc({ result: 'inserted' }, result.inserted);
    this.#ingestRows.inc({ result: 'duplicate' }, result.duplicates);
    if (result.unbilled) this.#ingestRows.inc({ result: 'unbilled' }, result.unbilled);
    if (result.deadLettered) this.#ingestRows.inc({ result: 'dead_lettered' }, result.deadLettered);
  }

  snapshotCompiled(kind: 'whole' | 'rows', seconds: number, stateBytes: number | null): void {
    this.#compileSeconds.observe({ kind }, seconds);
    if (stateBytes !== null) this.#snapshotBytes.set(stateBytes);
  }
}

/**
 * The database engine, and on PostgreSQL its connection pool (read at scrape). PGlite is one embedded
 * connection with no pool: only its engine is shown.
 */
function registerDatabaseGauges(database: ControlPlaneGauges['database'], registers: Registry[]): void {
  new Gauge({ name: 'control_plane_database_info', help: 'The database engine (pglite, postgresql)', labelNames: ['engine'], registers }).set(
    { engine: database.engine },
    1,
  );
  if (database.poolStats() === null) return;
  const pool = () => database.poolStats()!;
  new Gauge({
    name: 'control_plane_database_pool_connections',
    help: 'PostgreSQL pool connections by state (idle, busy)',
    labelNames: ['state'],
    registers,
    collect() {
      const { total, idle } = pool();
      this.set({ state: 'idle' }, idle);
      this.set({ state: 'busy' }, total - idle);
    },
  });
  new Gauge({
    name: 'control_plane_database_pool_waiting',
    help: 'Queries waiting for a PostgreSQL pool connection (the pool is at its maximum)',
    registers,
    collect() {
      this.set(pool().waiting);
    },
  });
  new Gauge({
    name: 'control_plane_database_pool_max_connections',
    help: 'The PostgreSQL pool size',
    registers,
    collect() {
      this.set(pool().max);
    },
  });
}

/** Who acted, for a log line: ids and the credential's kind, never a token or a session secret. */
export function describeActor(actor: Actor | null): Record<string, unknown> {
  if (actor === null) return { kind: 'anonymous' };
  if (actor.kind === 'user') return { kind: 'user', userId: actor.userId, credential: actor.credential.kind };
  if (actor.kind === 'data-plane') return { kind: 'data-plane', tokenId: actor.tokenId };
  return { kind: 'system', name: actor.name };
}

/**
 * One GraphQL or tRPC operation ended: its log line (mutations at info, reads at debug: a console polls),
 * its metrics and, when tracing is on, its span.
 */
export function recordOperation(logger: Logger, metrics: ControlPlaneMetrics, operation: EndedOperation & { actor: Actor | null }): void {
  const seconds = (performance.now() - operation.startedAt) / 1000;
  metrics.operation(operation.face, operation.name, operation.error === null, seconds);
  metrics.spans?.ended(operation);
  const line = {
    face: operation.face,
    operation: operation.name,
    type: operation.type,
    actor: describeActor(operation.actor),
    outcome: operation.error === null ? 'ok' : 'error',
    error: operation.error ?? undefined,
    durationMs: Math.round(seconds * 10_000) / 10,
  };
  if (operation.type === 'mutation' || operation.error !== null) logger.info(line, 'operation');
  else logger.debug(line, 'operation');
}
