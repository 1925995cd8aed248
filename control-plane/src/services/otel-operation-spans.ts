// The control plane's OpenTelemetry exporter, loaded only when an OTLP endpoint is set
// (operation-spans.ts). One SERVER span per GraphQL or tRPC operation, made when it ends with the time
// it started: `graphql <root field>` with graphql.operation.type / graphql.operation.name, or
// `trpc <path>` with rpc.system / rpc.method, plus what the operation added (an ingest batch's rows); an
// error sets error.type and the ERROR status. The caller's traceparent, when valid, is the span's parent.
// Spans are batched and sent as OTLP/HTTP JSON.
import { defaultTextMapGetter, ROOT_CONTEXT, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { OperationSpans } from './operation-spans.ts';

export function createOtelOperationSpans(endpoint: string, serviceName: string): OperationSpans {
  const exporter = new OTLPTraceExporter({ url: `${endpoint.replace(/\/+$/, '')}/v1/traces` });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName }),
    spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: 1000 })],
  });
  const tracer = provider.getTracer('ai-gateway-control-plane');
  const propagator = new W3CTraceContextPropagator();
  return {
    ended(operation) {
      const attributes: Record<string, string | number> =
        operation.face === 'graphql'
          ? { 'graphql.operation.type': operation.type, 'graphql.operation.name': operation.name }
          : { 'rpc.system': 'trpc', 'rpc.method': operation.name, 'trpc.procedure.type': operation.type };
      if (operation.attributes !== null) Object.assign(attributes, operation.attributes);
      const parent =
        operation.traceparent === null ? ROOT_CONTEXT : propagator.extract(ROOT_CONTEXT, { traceparent: operation.traceparent }, defaultTextMapGetter);
      // Epoch milliseconds: performance.now() values alone would be read as relative to the time origin too.
      const span = tracer.startSpan(
        `${operation.face} ${operation.name}`,
        { kind: SpanKind.SERVER, attributes, startTime: performance.timeOrigin + operation.startedAt },
        parent,
      );
      if (operation.error !== null) {
        span.setAttribute('error.type', operation.error);
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
      span.end(performance.timeOrigin + performance.now());
    },
    shutdown: () => provider.shutdown(),
  };
}
