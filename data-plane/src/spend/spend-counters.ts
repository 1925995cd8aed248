// Which counters a caller's requests draw on, from the snapshot: the org's balance and the user's spend
// on the current UTC day. Daily limits reset at 00:00 UTC, for every org, whatever its users' time zones.
import type { SnapshotOrg } from '../../../shared/src/snapshot.ts';
import type { SpendCounter } from './counter-store.ts';

const DAY_MS = 86_400_000;
/** A day's counter outlives its day, so a request that began at 23:59 still settles onto it. */
const DAILY_COUNTER_RETAIN_MS = 2 * DAY_MS;

export interface CallerCounters {
  /** capMicros = the org's credits; settled spend is everything spent since the ledger began. */
  balance: SpendCounter;
  /** capMicros = the user's daily limit (their override, else the org's default), null = none. */
  daily: SpendCounter;
  /** The UTC day (YYYY-MM-DD) the daily counter belongs to. */
  day: string;
  /** When that day's limit resets: the next 00:00 UTC, epoch ms. */
  resetsAtMs: number;
}

// The day's name, formatted once a day rather than once a request (a Date and toISOString cost ~1 µs).
let lastDayNumber = Number.NaN;
let lastDay = '';
function utcDay(nowMs: number): string {
  const dayNumber = Math.floor(nowMs / DAY_MS);
  if (dayNumber !== lastDayNumber) {
    lastDay = new Date(dayNumber * DAY_MS).toISOString().slice(0, 10);
    lastDayNumber = dayNumber;
  }
  return lastDay;
}

export function callerCounters(org: SnapshotOrg, userId: string, nowMs: number): CallerCounters {
  const day = utcDay(nowMs);
  const dailyLimit = org.userDailyLimitMicros[userId] ?? org.dailyLimitMicros;
  const ingestedToday = org.usageToday.day === day ? (org.usageToday.userMicros[userId] ?? 0) : 0;
  return {
    balance: { key: `org:{${org.id}}`, capMicros: org.creditsMicros, floorMicros: org.usageDebitedMicros, retainMs: null },
    daily: { key: `user:{${org.id}}:${userId}:${day}`, capMicros: dailyLimit, floorMicros: ingestedToday, retainMs: DAILY_COUNTER_RETAIN_MS },
    day,
    resetsAtMs: (Math.floor(nowMs / DAY_MS) + 1) * DAY_MS,
  };
}
