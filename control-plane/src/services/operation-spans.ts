// OpenTelemetry spans of the control plane's GraphQL and tRPC operations (usage ingest batches are the
// tRPC operation dataPlane.ingestUsage, with their row counts). A caller's W3C traceparent makes the
// operation's span its child, so a console's or a data plane's trace continues here. Off unless an OTLP endpoint is configured
// (OTEL_EXPORTER_OTLP_ENDPOINT): then, and only then, the SDK is loaded (otel-operation-spans.ts,
// imported dynamically); without one nothing is loaded and an operation costs one null check.

import type { UsageIngestResult } from '../../../shared/src/usage-event.ts';

/** One operation that ended, as recordOperation (control-plane-metrics.ts) sees it. */
export interface EndedOperation {
  face: 'graphql' | 'trpc';
  name: string;
  type: string;
  error: string | null;
  /** performance.now() when it started. */
  startedAt: number;
  /** The caller's W3C `traceparent` header, if it sent one (an invalid one starts a new trace). */
  traceparent: string | null;
  /** What the operation found worth putting on its span (ingestSpanAttributes); null for none. */
  attributes: Record<string, number> | null;
}

/** A usage batch's rows on its span: received, and each result the rows metric counts (0 when none). */
export function ingestSpanAttributes(received: number, result: UsageIngestResult): Record<string, number> {
  return {
    'gateway.ingest.rows.received': received,
    'gateway.ingest.rows.inserted': result.inserted,
    'gateway.ingest.rows.duplicate': result.duplicates,
    'gateway.ingest.rows.unbilled': result.unbilled ?? 0,
    'gateway.ingest.rows.dead_lettered': result.deadLettered ?? 0,
  };
}

export interface OperationSpans {
  ended(operation: EndedOperation): void;
  /** Exports what is buffered and stops. */
  shutdown(): Promise<void>;
}

export interface OperationSpansOptions {
  /** OTLP/HTTP base URL; spans go to <endpoint>/v1/traces. Unset: no spans. */
  otlpEndpoint?: string | null;
  /** service.name of the spans; default ai-gateway-control-plane. */
  serviceName?: string | null;
}

export async function startOperationSpans(options: OperationSpansOptions): Promise<OperationSpans | null> {
  if (!options.otlpEndpoint) return null;
  const { createOtelOperationSpans } = await import('./otel-operation-spans.ts');
  return createOtelOperationSpans(options.otlpEndpoint, options.serviceName || 'ai-gateway-control-plane');
}
