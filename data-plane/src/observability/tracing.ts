// Tracing is off unless an OTLP endpoint is configured (OTEL_EXPORTER_OTLP_ENDPOINT): then, and only
// then, the OpenTelemetry SDK is loaded (otel-tracer.ts, imported dynamically), so a data plane without
// one neither loads it nor pays for it per request: the observer sees a null tracer and reads no header.
import type { RequestSpan, RouteTelemetry } from './request-telemetry.ts';

export interface Tracer {
  /** The request's span, a child of the client's W3C `traceparent` when it sent a valid one. */
  startRequest(route: RouteTelemetry, traceparent: string): RequestSpan;
  /** Exports what is buffered and stops. */
  shutdown(): Promise<void>;
}

export interface TracingOptions {
  /** OTLP/HTTP base URL; spans go to <endpoint>/v1/traces. Unset: no tracing. */
  otlpEndpoint?: string;
  /** service.name of the spans. */
  serviceName: string;
}

export async function startTracing(options: TracingOptions): Promise<Tracer | null> {
  if (!options.otlpEndpoint) return null;
  const { createOtelTracer } = await import('./otel-tracer.ts');
  return createOtelTracer(options.otlpEndpoint, options.serviceName);
}
