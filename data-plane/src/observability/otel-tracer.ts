// The OpenTelemetry tracer, loaded only when an OTLP endpoint is set (tracing.ts). One SERVER span per
// request with the GenAI semantic conventions (gen_ai.operation.name, gen_ai.request.model,
// gen_ai.response.model, gen_ai.usage.input_tokens / output_tokens, gen_ai.provider.name), one CLIENT
// child span per upstream attempt whose W3C traceparent goes upstream; the client's traceparent, when
// valid, is the request span's parent. Spans are batched and sent as OTLP/HTTP JSON (shared/src/otlp-tracing.ts).
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span, type Tracer as OtelTracer } from '@opentelemetry/api';
import { startOtlpTracing } from '../../../shared/src/otlp-tracing.ts';
import type { AttemptSpan, EndedRequest, RequestSpan, RouteTelemetry } from './request-telemetry.ts';
import type { Tracer } from './tracing.ts';

export function createOtelTracer(endpoint: string, serviceName: string): Tracer {
  const { tracer, parentOf, shutdown } = startOtlpTracing(endpoint, serviceName, 'ai-gateway-data-plane');
  return {
    startRequest(route, traceparent) {
      const attributes: Record<string, string> = { 'http.route': route.route, 'gateway.door': route.door };
      if (route.operation !== null) attributes['gen_ai.operation.name'] = route.operation;
      const span = tracer.startSpan(route.operation ?? route.route, { kind: SpanKind.SERVER, attributes }, parentOf(traceparent));
      return new OtelRequestSpan(span, route, tracer);
    },
    shutdown,
  };
}

class OtelRequestSpan implements RequestSpan {
  readonly #span: Span;
  readonly #route: RouteTelemetry;
  readonly #tracer: OtelTracer;

  constructor(span: Span, route: RouteTelemetry, tracer: OtelTracer) {
    this.#span = span;
    this.#route = route;
    this.#tracer = tracer;
  }

  startAttempt(provider: string, model: string): AttemptSpan {
    const operation = this.#route.operation ?? 'chat';
    const span = this.#tracer.startSpan(
      `${operation} ${model}`,
      { kind: SpanKind.CLIENT, attributes: { 'gen_ai.operation.name': operation, 'gen_ai.provider.name': provider, 'gen_ai.request.model': model } },
      trace.setSpan(ROOT_CONTEXT, this.#span),
    );
    const spanContext = span.spanContext();
    const traceparent = `00-${spanContext.traceId}-${spanContext.spanId}-0${spanContext.traceFlags & 1}`;
    return {
      traceparent,
      end(upstreamStatus, error) {
        if (upstreamStatus !== null) span.setAttribute('http.response.status_code', upstreamStatus);
        if (error !== null) {
          span.setAttribute('error.type', error);
          span.setStatus({ code: SpanStatusCode.ERROR });
        }
        span.end();
      },
    };
  }

  end(request: EndedRequest): void {
    const span = this.#span;
    const usage = request.usage;
    const status = request.status === 0 || request.aborted ? 499 : request.status;
    span.setAttribute('http.response.status_code', status);
    span.setAttribute('gateway.request_id', request.requestId);
    if (request.provider !== null) span.setAttribute('gen_ai.provider.name', request.provider);
    if (usage !== null) {
      span.updateName(`${this.#route.operation ?? this.#route.route} ${usage.requestedModel}`);
      span.setAttribute('gen_ai.request.model', usage.requestedModel);
      span.setAttribute('gen_ai.response.model', usage.servedModel);
      span.setAttribute('gen_ai.usage.input_tokens', usage.promptTokens);
      span.setAttribute('gen_ai.usage.output_tokens', usage.completionTokens);
      if (usage.finishReason !== null) span.setAttribute('gen_ai.response.finish_reasons', [usage.finishReason]);
    }
    const errorCode = usage?.errorCode ?? request.errorCode;
    if (errorCode !== null) span.setAttribute('error.type', errorCode);
    if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  }
}
