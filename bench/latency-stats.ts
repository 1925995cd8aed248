// The report's arithmetic, pure: latency ladders from raw samples (nearest-rank percentiles), overhead
// as the per-percentile difference from the direct baseline, and ratios that say "n/a" instead of
// dividing by nothing.

export interface LatencyLadder {
  count: number;
  /** Microseconds. */
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

export const LADDER_STEPS = ['p50', 'p90', 'p99', 'p999'] as const;
export type LadderStep = (typeof LADDER_STEPS)[number];

const FRACTIONS: Record<LadderStep, number> = { p50: 0.5, p90: 0.9, p99: 0.99, p999: 0.999 };

/** Nearest rank: the smallest sample with at least `fraction` of all samples at or below it. */
export function percentile(sortedAscending: ArrayLike<number>, fraction: number): number {
  if (sortedAscending.length === 0) return Number.NaN;
  const rank = Math.ceil(fraction * sortedAscending.length);
  return sortedAscending[Math.min(sortedAscending.length, Math.max(1, rank)) - 1] as number;
}

export function latencyLadder(samplesMicros: ArrayLike<number>): LatencyLadder {
  const sorted = Float64Array.from(samplesMicros).sort();
  const ladder = { count: sorted.length, max: sorted.length === 0 ? Number.NaN : (sorted[sorted.length - 1] as number) } as LatencyLadder;
  for (const step of LADDER_STEPS) ladder[step] = percentile(sorted, FRACTIONS[step]);
  return ladder;
}

/** What the target adds at each percentile over the direct path (can be slightly negative: noise). */
export function overheadLadder(target: LatencyLadder, direct: LatencyLadder): Record<LadderStep, number> {
  const overhead = {} as Record<LadderStep, number>;
  for (const step of LADDER_STEPS) overhead[step] = target[step] - direct[step];
  return overhead;
}

/** `numerator / denominator`, or null when either is missing, not finite, or the denominator is not positive. */
export function ratio(numerator: number | null | undefined, denominator: number | null | undefined): number | null {
  if (numerator === null || numerator === undefined || denominator === null || denominator === undefined) return null;
  if (!Number.isFinite(numerator) || !Number.isFinite(denominator) || denominator <= 0) return null;
  return numerator / denominator;
}

/** CPU time per request in µs, from a process's CPU use (percent of one core) at a request rate. */
export function cpuMicrosPerRequest(cpuPercent: number, requestsPerSecond: number): number | null {
  const perRequest = ratio(cpuPercent * 10_000, requestsPerSecond);
  return perRequest === null || cpuPercent <= 0 ? null : perRequest;
}
