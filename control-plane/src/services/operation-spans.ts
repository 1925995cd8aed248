// OpenTelemetry spans of the control plane's GraphQL and tRPC operations (usage ingest batches are the
// tRPC operation dataPlane.ingestUsage). Off unless an OTLP endpoint is configured
// (OTEL_EXPORTER_OTLP_ENDPOINT): then, and only then, the SDK is loaded (otel-operation-spans.ts,
// imported dynamically); without one nothing is loaded and an operation costs one null check.

/** One operation that ended, as recordOperation (control-plane-metrics.ts) sees it. */
export interface EndedOperation {
  face: 'graphql' | 'trpc';
  name: string;
  type: string;
  error: string | null;
  /** performance.now() when it started. */
  startedAt: number;
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
