// What to do after an upstream attempt failed in a retryable way (connect error, timeout, or a status
// isRetryableStatus accepts) before the first byte reached the client. Falling back
// to the next endpoint comes first and is immediate: another provider shares neither this one's load
// nor its rate limit, so waiting would only add latency. The last endpoint is retried, up to
// MAX_RETRIES times, after the backoff or the upstream's `retry-after` (whichever is longer), unless
// that wait is over RETRY_AFTER_CAP_MS or would not leave time within the total budget; then the
// client gets the last failure (with its retry-after) at once instead of a timeout later.
import { backoffDelayMs } from './backoff-delay.ts';

export const MAX_RETRIES = 2;
export const RETRY_AFTER_CAP_MS = 10_000;

export interface AttemptFailure {
  /** The upstream's retry-after, when it sent one. */
  retryAfterMs: number | null;
}

export interface RetryState {
  /** Retries already made on this endpoint. */
  retries: number;
  isLastEndpoint: boolean;
  /** Time left in the total budget. */
  remainingMs: number;
}

export type RetryPlan = { action: 'retry'; delayMs: number } | { action: 'next-endpoint' } | { action: 'give-up' };

/** Statuses worth another attempt: timeout, conflict, rate limit, server errors; other 4xx would fail the same way again. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

export function planRetry(failure: AttemptFailure, state: RetryState, random: () => number = Math.random): RetryPlan {
  if (!state.isLastEndpoint) return { action: 'next-endpoint' };
  if (state.retries >= MAX_RETRIES) return { action: 'give-up' };
  if (failure.retryAfterMs !== null && failure.retryAfterMs > RETRY_AFTER_CAP_MS) return { action: 'give-up' };
  const delayMs = Math.max(backoffDelayMs(state.retries, random), failure.retryAfterMs ?? 0);
  if (delayMs >= state.remainingMs) return { action: 'give-up' };
  return { action: 'retry', delayMs };
}
