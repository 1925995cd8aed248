// The windows a per-key budget counts spend in: the day, the week (from Monday) and the month, each in
// the key's time zone (IANA name, default UTC). Both planes use these: the data plane names the counter
// a request draws on after the window (`key`), the control plane sums ingested spend from `startMs` as
// that counter's floor. Windows are computed once per time zone until the earliest of them ends, not per
// request (Intl formatting costs microseconds).

export const budgetPeriods = ['daily', 'weekly', 'monthly'] as const;
export type BudgetPeriod = (typeof budgetPeriods)[number];

export interface BudgetWindow {
  /** Names the window within its period: the local date of its first day (`YYYY-MM-DD`), or `YYYY-MM` for a month. */
  key: string;
  /** Epoch ms of its first instant and of the next window's. */
  startMs: number;
  endMs: number;
}

export type BudgetWindows = Record<BudgetPeriod, BudgetWindow>;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterOf(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** True when `timeZone` is an IANA zone this runtime knows. */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    formatterOf(timeZone);
    return true;
  } catch {
    return false;
  }
}

interface LocalTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function localTime(timeZone: string, epochMs: number): LocalTime {
  const parts: Record<string, number> = {};
  for (const part of formatterOf(timeZone).formatToParts(epochMs)) if (part.type !== 'literal') parts[part.type] = Number(part.value);
  return { year: parts.year ?? 0, month: parts.month ?? 1, day: parts.day ?? 1, hour: parts.hour ?? 0, minute: parts.minute ?? 0, second: parts.second ?? 0 };
}

/** The zone's offset from UTC at `epochMs`, in ms (local wall clock − UTC). */
function offsetMs(timeZone: string, epochMs: number): number {
  const local = localTime(timeZone, epochMs);
  const asUtc = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second);
  return asUtc - Math.floor(epochMs / 1000) * 1000;
}

/** The instant local midnight of (year, month, day) happens in the zone (months and days may overflow). */
function localMidnight(timeZone: string, year: number, month: number, day: number): number {
  const wall = Date.UTC(year, month - 1, day);
  const guess = wall - offsetMs(timeZone, wall);
  // Across a DST change the offset at the guess may differ from the one at the wall time: one correction.
  return wall - offsetMs(timeZone, guess);
}

function isoDate(year: number, month: number, day: number): string {
  return new Date(Date.UTC(year, month - 1, day)).toISOString().slice(0, 10);
}

/** The day, week and month containing `nowMs` in `timeZone`. Throws RangeError for an unknown zone. */
export function computeBudgetWindows(timeZone: string, nowMs: number): BudgetWindows {
  const { year, month, day } = localTime(timeZone, nowMs);
  // 0 = Monday.
  const weekday = (new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 6) % 7;
  const monday = new Date(Date.UTC(year, month - 1, day - weekday));
  return {
    daily: { key: isoDate(year, month, day), startMs: localMidnight(timeZone, year, month, day), endMs: localMidnight(timeZone, year, month, day + 1) },
    weekly: {
      key: monday.toISOString().slice(0, 10),
      startMs: localMidnight(timeZone, monday.getUTCFullYear(), monday.getUTCMonth() + 1, monday.getUTCDate()),
      endMs: localMidnight(timeZone, monday.getUTCFullYear(), monday.getUTCMonth() + 1, monday.getUTCDate() + 7),
    },
    monthly: {
      key: `${year}-${String(month).padStart(2, '0')}`,
      startMs: localMidnight(timeZone, year, month, 1),
      endMs: localMidnight(timeZone, year, month + 1, 1),
    },
  };
}

const cached = new Map<string, BudgetWindows>();

/** computeBudgetWindows, kept per zone until its day ends (the data plane's per-request call). */
export function budgetWindows(timeZone: string, nowMs: number): BudgetWindows {
  const windows = cached.get(timeZone);
  if (windows !== undefined && nowMs >= windows.daily.startMs && nowMs < windows.daily.endMs) return windows;
  // The control plane accepts only zones it knows; one this runtime does not (older ICU) counts in UTC
  // rather than failing every request of the key.
  const fresh = isKnownTimeZone(timeZone) ? computeBudgetWindows(timeZone, nowMs) : computeBudgetWindows('UTC', nowMs);
  cached.set(timeZone, fresh);
  return fresh;
}

/** The name of a key's counter for one window, also its entry in the spend floor (spend-floors.ts). */
export function keyBudgetWindowName(apiKeyId: string, period: BudgetPeriod, window: BudgetWindow): string {
  return `${apiKeyId}:${period}:${window.key}`;
}
