// Where a request's end becomes its access-log line, its metric updates and its span's end: once per
// request, from the fields the request left on its ClientResponse (no object is built for it). Each of
// the three is optional: metrics only when they are exposed (METRICS_PORT), tracing only when an OTLP
// endpoint is set, and the access log at info level (LOG_LEVEL=warn drops it for nothing but the check);
// probes (/healthz) log theirs at debug, so a health check every second fills no log. The line names the
// key by its id, never the key; failed attempts carry their cause.
import type { Logger } from '../../../shared/src/logger.ts';
import { ACCESS_LEVEL, accessLineWriter } from './access-log-line.ts';
import type { DataPlaneMetrics } from './data-plane-metrics.ts';
import type { AttemptRecord, EndedRequest, RequestSpan, RouteTelemetry } from './request-telemetry.ts';
import type { Tracer } from './tracing.ts';

export interface RequestObserver {
  /** Registers a route's fixed labels, once at start; a probe's access line is at debug level. */
  route(route: string, door: string, operation: string | null, probe?: boolean): RouteTelemetry;
  /** True when requests get spans: the route reads the client's traceparent only then. */
  readonly tracing: boolean;
  startSpan(route: RouteTelemetry, traceparent: string): RequestSpan | null;
  /** A failed upstream attempt: a warning line now (a retry may wait long), and its metrics. */
  attemptFailed(requestId: string, attempt: AttemptRecord): void;
  streamOpened(): void;
  streamClosed(): void;
  /** A spend reservation taken (+1) or given back (-1). */
  reservationHeld(delta: 1 | -1): void;
  /** Counted only: the routing code logs the ejection itself. */
  endpointEjected(endpoint: string): void;
  ended(request: EndedRequest): void;
}

export function createRequestObserver(logger: Logger, metrics: DataPlaneMetrics | null, tracer: Tracer | null): RequestObserver {
  const writeAccessLine = accessLineWriter(logger);
  const accessLevel = (level: keyof typeof ACCESS_LEVEL) => (logger.isLevelEnabled(level) ? ACCESS_LEVEL[level] : null);
  return {
    route: (route, door, operation, probe = false) => ({ route, door, operation, accessLevel: accessLevel(probe ? 'debug' : 'info') }),
    tracing: tracer !== null,
    startSpan: (route, traceparent) => (tracer === null ? null : tracer.startRequest(route, traceparent)),
    attemptFailed(requestId, attempt) {
      logger.warn({ requestId, ...attempt }, 'upstream attempt failed');
      metrics?.attemptFailed(`${attempt.provider}/${attempt.model}`, attempt.error, attempt.next);
    },
    streamOpened: () => metrics?.streamOpened(),
    streamClosed: () => metrics?.streamClosed(),
    reservationHeld: (delta) => metrics?.reservationHeld(delta),
    endpointEjected: (endpoint) => metrics?.endpointEjected(endpoint),
    ended(request) {
      const status = request.status === 0 || request.aborted ? 499 : request.status;
      const usage = request.usage;
      const latencyMs = performance.now() - request.startedAt;
      const errorCode = usage?.errorCode ?? request.errorCode;
      if (metrics !== null) {
        const route = request.route;
        const handles = metrics.forRequest(route.route, route.door, usage?.requestedModel ?? '', request.provider ?? '', status);
        handles.requests.inc();
        if (usage !== null) {
          handles.latency.observe(latencyMs / 1000);
          if (usage.ttftMs !== null) handles.ttft.observe(usage.ttftMs / 1000);
          if (usage.upstreamLatencyMs !== null) handles.upstreamLatency.observe(usage.upstreamLatencyMs / 1000);
          if (usage.promptTokens > 0) handles.inputTokens.inc(usage.promptTokens);
          if (usage.completionTokens > 0) handles.outputTokens.inc(usage.completionTokens);
          if (usage.costMicros > 0) handles.costMicros.inc(usage.costMicros);
        }
        if ((status === 402 || status === 429) && errorCode !== null) metrics.limitRefused(errorCode);
      }
      request.span?.end(request);
      const level = request.route.accessLevel;
      if (level !== null) writeAccessLine(level, request, status, errorCode, latencyMs);
    },
  };
}
