import { describe, expect, it } from 'vitest';
import { cpuMicrosPerRequest, latencyLadder, overheadLadder, percentile, ratio } from './latency-stats.ts';

describe('percentile (nearest rank)', () => {
  it('picks the smallest sample covering the fraction', () => {
    const sorted = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
    expect(percentile(sorted, 0.5)).toBe(50);
    expect(percentile(sorted, 0.9)).toBe(90);
    expect(percentile(sorted, 0.91)).toBe(100);
    expect(percentile(sorted, 0.999)).toBe(100);
    expect(percentile(sorted, 0)).toBe(10);
  });

  it('is NaN without samples', () => {
    expect(percentile([], 0.5)).toBeNaN();
  });
});

describe('latencyLadder', () => {
  it('sorts numerically and reads p99.9 from the tail', () => {
    // 1..1000 shuffled by a fixed stride; 9 sorts before 10 only numerically.
    const samples = Array.from({ length: 1000 }, (_, index) => ((index * 7919) % 1000) + 1);
    expect(latencyLadder(samples)).toEqual({ count: 1000, p50: 500, p90: 900, p99: 990, p999: 999, max: 1000 });
  });
});

describe('overheadLadder and ratio', () => {
  it('subtracts the direct baseline step by step', () => {
    const direct = { count: 3, p50: 100, p90: 150, p99: 300, p999: 900, max: 1000 };
    const gateway = { count: 3, p50: 160, p90: 240, p99: 280, p999: 1900, max: 2500 };
    expect(overheadLadder(gateway, direct)).toEqual({ p50: 60, p90: 90, p99: -20, p999: 1000 });
  });

  it('divides only by a positive finite denominator', () => {
    expect(ratio(30_000, 40_000)).toBe(0.75);
    expect(ratio(30_000, 0)).toBeNull();
    expect(ratio(30_000, null)).toBeNull();
    expect(ratio(Number.NaN, 1)).toBeNull();
  });

  it('turns CPU percent at a request rate into CPU µs per request', () => {
    // Half a core at 2,500 req/s: 0.5 s of CPU per second over 2,500 requests = 200 µs each.
    expect(cpuMicrosPerRequest(50, 2_500)).toBe(200);
    expect(cpuMicrosPerRequest(0, 2_500)).toBeNull();
    expect(cpuMicrosPerRequest(50, 0)).toBeNull();
  });
});
