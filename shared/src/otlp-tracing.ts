// Both planes' OpenTelemetry export, loaded only when an OTLP endpoint is set: spans batched each second
// and sent as OTLP/HTTP JSON to `<endpoint>/v1/traces` under the service name, and a caller's W3C
// traceparent read as the parent of the span that serves it.
import { defaultTextMapGetter, ROOT_CONTEXT, type Context, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';

export interface OtlpTracing {
  tracer: Tracer;
  /** The context a caller's traceparent names; the root when there is none (or it is not valid). */
  parentOf(traceparent: string | null): Context;
  /** Sends what is batched and stops. */
  shutdown(): Promise<void>;
}

export function startOtlpTracing(endpoint: string, serviceName: string, tracerName: string): OtlpTracing {
  const exporter = new OTLPTraceExporter({ url: `${endpoint.replace(/\/+$/, '')}/v1/traces` });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName }),
    spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: 1000 })],
  });
  const propagator = new W3CTraceContextPropagator();
  return {
    tracer: provider.getTracer(tracerName),
    parentOf: (traceparent) => (traceparent ? propagator.extract(ROOT_CONTEXT, { traceparent }, defaultTextMapGetter) : ROOT_CONTEXT),
    shutdown: () => provider.shutdown(),
  };
}
