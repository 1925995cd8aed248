import { describe, expect, it } from 'vitest';
import { isRetryableStatus, planRetry, type AttemptFailure, type RetryState } from './plan-retry.ts';

const failure = (extra: Partial<AttemptFailure> = {}): AttemptFailure => ({ retryAfterMs: null, ...extra });
const state = (extra: Partial<RetryState> = {}): RetryState => ({ retries: 0, isLastEndpoint: true, remainingMs: 60_000, ...extra });
const noJitter = () => 1;

describe('planRetry', () => {
  it.each([
    {
      name: 'falls back to the next endpoint at once',
      failure: failure({ retryAfterMs: 3_000 }),
      state: state({ isLastEndpoint: false }),
      plan: { action: 'next-endpoint' },
    },
    { name: 'retries the last endpoint after the backoff', failure: failure(), state: state(), plan: { action: 'retry', delayMs: 250 } },
    { name: 'backs off further on the second retry', failure: failure(), state: state({ retries: 1 }), plan: { action: 'retry', delayMs: 500 } },
    { name: 'stops after MAX_RETRIES', failure: failure(), state: state({ retries: 2 }), plan: { action: 'give-up' } },
    {
      name: 'waits for retry-after when longer than the backoff',
      failure: failure({ retryAfterMs: 2_000 }),
      state: state(),
      plan: { action: 'retry', delayMs: 2_000 },
    },
    {
      name: 'keeps the backoff when retry-after is shorter',
      failure: failure({ retryAfterMs: 0 }),
      state: state({ retries: 1 }),
      plan: { action: 'retry', delayMs: 500 },
    },
    { name: 'gives up when retry-after is over the cap', failure: failure({ retryAfterMs: 10_001 }), state: state(), plan: { action: 'give-up' } },
    {
      name: 'gives up when retry-after exceeds the remaining budget',
      failure: failure({ retryAfterMs: 7_000 }),
      state: state({ remainingMs: 2_000 }),
      plan: { action: 'give-up' },
    },
    { name: 'gives up when the backoff exceeds the remaining budget', failure: failure(), state: state({ remainingMs: 100 }), plan: { action: 'give-up' } },
  ])('$name', ({ failure, state, plan }) => {
    expect(planRetry(failure, state, noJitter)).toEqual(plan);
  });
});

describe('isRetryableStatus', () => {
  it.each([
    [408, true],
    [409, true],
    [429, true],
    [500, true],
    [502, true],
    [503, true],
    [529, true],
    [400, false],
    [401, false],
    [403, false],
    [404, false],
    [413, false],
    [422, false],
  ])('%i: %s', (status, expected) => {
    expect(isRetryableStatus(status)).toBe(expected);
  });
});
