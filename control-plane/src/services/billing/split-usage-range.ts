// A usage range [from, to) in two parts: the whole UTC days inside it, summed from usage_daily, and the
// partial days at its edges, summed from usage_records through its (org_id, started_at) index. Any
// timestamp range is then exact, and the raw rows read never exceed two days' worth.

export interface UsageRangeParts {
  /** Whole UTC days [fromDay, toDay) as `YYYY-MM-DD`; null when the range holds no whole day. */
  wholeDays: { fromDay: string; toDay: string } | null;
  /** Timestamp ranges [from, to) read from the raw rows: at most two, never overlapping the whole days. */
  rawRanges: { from: Date; to: Date }[];
}

const DAY_MS = 86_400_000;

export function splitUsageRange(from: Date, to: Date): UsageRangeParts {
  if (from.getTime() >= to.getTime()) return { wholeDays: null, rawRanges: [] };
  const firstMidnight = Math.ceil(from.getTime() / DAY_MS) * DAY_MS;
  const lastMidnight = Math.floor(to.getTime() / DAY_MS) * DAY_MS;
  if (firstMidnight >= lastMidnight) return { wholeDays: null, rawRanges: [{ from, to }] };
  const rawRanges: { from: Date; to: Date }[] = [];
  if (from.getTime() < firstMidnight) rawRanges.push({ from, to: new Date(firstMidnight) });
  if (lastMidnight < to.getTime()) rawRanges.push({ from: new Date(lastMidnight), to });
  return { wholeDays: { fromDay: isoDay(firstMidnight), toDay: isoDay(lastMidnight) }, rawRanges };
}

function isoDay(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}
