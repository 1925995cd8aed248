// What one request leaves for its access-log line, its metrics and its trace, and the two things that
// consume it: the observer (observe-requests.ts), told once when the request ends, and the tracer.
// The lowest data-plane layer: the uWS edge records a response's status here, the pipeline its attempts.
import type { UsageEvent } from '../../../shared/src/usage-event.ts';

/** One failed upstream attempt: where it went, what came back and what the gateway did next. */
export interface AttemptRecord {
  provider: string;
  model: string;
  /** The upstream's HTTP status, when it answered with one. */
  upstreamStatus: number | null;
  /** The gateway error it became. */
  error: string;
  /** Why, in words: the upstream's message (its key taken out), or the network error's code. */
  cause: string;
  retryAfterMs: number | null;
  next: 'retry' | 'next-endpoint' | 'give-up';
  /** The wait before a retry. */
  delayMs?: number;
}

/** What a request's span needs from the tracer (tracing.ts); null when tracing is off. */
export interface RequestSpan {
  /** A child span for one upstream attempt; its `traceparent` is sent upstream. */
  startAttempt(provider: string, model: string): AttemptSpan;
  end(request: EndedRequest): void;
}

export interface AttemptSpan {
  readonly traceparent: string;
  end(upstreamStatus: number | null, error: string | null): void;
}

/** A registered route: labels fixed at start (route pattern, front door, GenAI operation), and cached metric handles. */
export interface RouteTelemetry {
  readonly route: string;
  readonly door: string;
  /** GenAI operation name (chat, text_completion, embeddings), or null for routes that call no model. */
  readonly operation: string | null;
  /** pino's level of the route's access-log line (info; debug for probes), or null when the logger drops it. */
  readonly accessLevel: number | null;
}

/** A request as it ended, read once by the observer (ClientResponse is one: no object is built per request). */
export interface EndedRequest {
  readonly route: RouteTelemetry;
  readonly requestId: string;
  /** The status sent to the client; 0 when nothing was sent. */
  readonly status: number;
  /** The client went away before the end. */
  readonly aborted: boolean;
  readonly errorCode: string | null;
  /** The metered request's usage event (org, key id, model, tokens, cost, latencies), else null. */
  readonly usage: UsageEvent | null;
  /** Slug of the provider that answered last. */
  readonly provider: string | null;
  readonly attempts: readonly AttemptRecord[] | null;
  /** performance.now() when the request arrived. */
  readonly startedAt: number;
  readonly span: RequestSpan | null;
}
