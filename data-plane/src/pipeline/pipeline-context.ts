// What the request pipeline needs from the rest of the process, passed in once at start.
import type { GatewayError } from '../../../shared/src/errors.ts';
import type { Logger } from '../../../shared/src/logger.ts';
import type { UsageEvent } from '../../../shared/src/usage-event.ts';
import type { ClientResponse } from '../http/client-response.ts';
import type { GenerationLookup } from '../metering/generation-lookup.ts';
import type { RequestObserver } from '../observability/observe-requests.ts';
import type { SnapshotView } from '../snapshot/snapshot-view.ts';
import type { RateLimiter } from '../rate-limit/rate-limiter.ts';
import type { SpendEnforcer } from '../spend/spend-enforcer.ts';
import type { UpstreamClient } from './call-upstream.ts';
import type { EndpointHealth } from './endpoint-health.ts';

export interface PipelineContext {
  /** The current snapshot, or null before the first one arrived. */
  currentSnapshot(): SnapshotView | null;
  upstream: UpstreamClient;
  /** This data plane's measurements of each endpoint and its outlier ejections (endpoint-health.ts). */
  endpointHealth: EndpointHealth;
  /** Spend reservations against org balances and daily limits (spend/spend-enforcer.ts). */
  spend: SpendEnforcer;
  /** Requests and tokens per minute per key and org (rate-limit/rate-limiter.ts). */
  rateLimits: RateLimiter;
  /**
   * Appends to the durable spool; resolves once the event is written (group commit). `provisional`: a
   * stream's stand-in, billed only if its final event never comes (usage/ship-usage.ts).
   */
  appendUsage(event: UsageEvent, provisional?: boolean): Promise<void>;
  /** The error new metered requests get while the usage spool cannot write (usage_spool_unavailable), else null. */
  usageSpoolError(): GatewayError | null;
  /** Stored requests for GET /generation: this data plane's recent ones, else the control plane's. */
  generations: GenerationLookup;
  logger: Logger;
  /** Access log, metrics and traces (observability/observe-requests.ts). */
  observer: RequestObserver;
  /** Registers a request in flight (graceful shutdown waits for it); when it settles, the observer is told how `response` ended. */
  track(request: Promise<void>, response: ClientResponse): void;
  /** Registers a request in flight that has no promise of its own (a front door's); `requestEnded` ends it. */
  requestStarted(): void;
  /** A request `requestStarted` registered has ended: the observer is told how `response` ended. */
  requestEnded(response: ClientResponse): void;
  /** True once close() began: new requests are refused. */
  isClosing(): boolean;
}
