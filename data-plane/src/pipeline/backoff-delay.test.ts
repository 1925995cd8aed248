import { describe, expect, it } from 'vitest';
import { backoffDelayMs } from './backoff-delay.ts';

describe('backoffDelayMs', () => {
  it.each([
    [0, 125, 250],
    [1, 250, 500],
    [2, 500, 1_000],
    [3, 1_000, 2_000],
    [4, 2_000, 4_000],
    [5, 2_000, 4_000],
    [20, 2_000, 4_000],
  ])('retry %i waits between %i and %i ms', (retry, lowest, highest) => {
    expect(backoffDelayMs(retry, () => 0)).toBe(lowest);
    expect(backoffDelayMs(retry, () => 1)).toBe(highest);
    expect(backoffDelayMs(retry, () => 0.5)).toBe(Math.round((lowest + highest) / 2));
  });
});
