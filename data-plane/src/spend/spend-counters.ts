// Which counters a caller's requests draw on: the org's balance and the user's spend on the current UTC
// day, their limits from the snapshot and their credits and floors from the org's spend floor. Daily
// limits reset at 00:00 UTC, for every org, whatever its users' time zones.
import type { SnapshotOrg } from '../../../shared/src/snapshot.ts';
import { NO_SPEND_FLOOR, type OrgSpendFloor } from '../../../shared/src/spend-floors.ts';
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

/** `floor` undefined: the org has no credits and nothing ingested (shared/src/spend-floors.ts). */
export function callerCounters(org: SnapshotOrg, floor: OrgSpendFloor | undefined, userId: string, nowMs: number): CallerCounters {
  const day = utcDay(nowMs);
  const dailyLimit = org.userDailyLimitMicros[userId] ?? org.dailyLimitMicros;
  const { creditsMicros, usageDebitedMicros, day: floorDay, userMicros } = floor ?? NO_SPEND_FLOOR;
  const ingestedToday = floorDay === day ? (userMicros[userId] ?? 0) : 0;
  return {
    balance: { key: `org:{${org.id}}`, capMicros: creditsMicros, floorMicros: usageDebitedMicros, retainMs: null },
    daily: { key: `user:{${org.id}}:${userId}:${day}`, capMicros: dailyLimit, floorMicros: ingestedToday, retainMs: DAILY_COUNTER_RETAIN_MS },
    day,
    resetsAtMs: (Math.floor(nowMs / DAY_MS) + 1) * DAY_MS,
  };
}
