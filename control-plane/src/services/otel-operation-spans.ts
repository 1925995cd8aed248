// The control plane's OpenTelemetry exporter, loaded only when an OTLP endpoint is set
// (operation-spans.ts). One SERVER span per GraphQL or tRPC operation, made when it ends with the time
// it started: `graphql <root field>` with graphql.operation.type / graphql.operation.name, or
// `trpc <path>` with rpc.system / rpc.method, plus what the operation added (an ingest batch's rows); an
// error sets error.type and the ERROR status. The caller's traceparent, when valid, is the span's parent.
// Spans are batched and sent as OTLP/HTTP JSON (shared/src/otlp-tracing.ts).
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { startOtlpTracing } from '../../../shared/src/otlp-tracing.ts';
import type { OperationSpans } from './operation-spans.ts';

export function createOtelOperationSpans(endpoint: string, serviceName: string): OperationSpans {
  const { tracer, parentOf, shutdown } = startOtlpTracing(endpoint, serviceName, 'ai-gateway-control-plane');
  return {
    ended(operation) {
      const attributes: Record<string, string | number> =
        operation.face === 'graphql'
          ? { 'graphql.operation.type': operation.type, 'graphql.operation.name': operation.name }
          : { 'rpc.system': 'trpc', 'rpc.method': operation.name, 'trpc.procedure.type': operation.type };
      if (operation.attributes !== null) Object.assign(attributes, operation.attributes);
      // Epoch milliseconds: performance.now() values alone would be read as relative to the time origin too.
      const span = tracer.startSpan(
        `${operation.face} ${operation.name}`,
        { kind: SpanKind.SERVER, attributes, startTime: performance.timeOrigin + operation.startedAt },
        parentOf(operation.traceparent),
      );
      if (operation.error !== null) {
        span.setAttribute('error.type', operation.error);
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
      span.end(performance.timeOrigin + performance.now());
    },
    shutdown,
  };
}
