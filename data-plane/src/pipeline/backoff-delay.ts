// The wait before retrying an endpoint: exponential from 250 ms, capped at 4 s, with "equal jitter"
// (half fixed, half random) so data planes that failed together do not retry in lockstep, while the
// wait never drops below half the schedule. `random` is injectable for tests.

export const BACKOFF_BASE_MS = 250;
export const BACKOFF_CAP_MS = 4_000;

/** `retry` counts from 0 (the first retry). */
export function backoffDelayMs(retry: number, random: () => number = Math.random): number {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** retry);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
