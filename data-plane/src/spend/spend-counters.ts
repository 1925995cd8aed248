// Which counters a caller's requests draw on: the org's balance, the user's spend on the current UTC
// day, and the key's spend in each window its budget caps (day, week, month in the key's time zone);
// their limits from the snapshot and their credits and floors from the org's spend floor. Users' daily
// limits reset at 00:00 UTC, for every org, whatever its users' time zones.
import { budgetPeriods, budgetWindows, keyBudgetWindowName, type BudgetPeriod } from '../../../shared/src/budget-windows.ts';
import type { SnapshotApiKey, SnapshotOrg } from '../../../shared/src/snapshot.ts';
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
  /** The key's budget windows that have a cap, in daily, weekly, monthly order; empty without a budget. */
  keyBudgets: readonly KeyBudgetCounter[];
  /** Every counter a request draws on, in that order: the balance, the daily counter, the key's budgets. */
  drawnOn: readonly SpendCounter[];
}

export interface KeyBudgetCounter {
  period: BudgetPeriod;
  counter: SpendCounter;
  /** The window's key (its first local day, or month) and when it ends, epoch ms. */
  window: string;
  resetsAtMs: number;
}

const NO_KEY_BUDGETS: readonly KeyBudgetCounter[] = Object.freeze([]);
const capField = { daily: 'dailyMicros', weekly: 'weeklyMicros', monthly: 'monthlyMicros' } as const;

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

/** A caller's counters as last made, and what they were made from: the same objects are reused until one changes. */
interface KeptCounters {
  org: SnapshotOrg;
  floor: OrgSpendFloor | undefined;
  dayNumber: number;
  counters: CallerCounters;
}

// Per API key (a snapshot's key object, replaced when the key changes), for keys without a budget: their
// counters depend only on the org, its spend floor and the UTC day, so most requests build no counter,
// no key string (which each counter lookup of the store would hash again) and no list.
const kept = new WeakMap<SnapshotApiKey, KeptCounters>();

/** `floor` undefined: the org has no credits and nothing ingested (shared/src/spend-floors.ts). */
export function callerCounters(org: SnapshotOrg, floor: OrgSpendFloor | undefined, apiKey: SnapshotApiKey, nowMs: number): CallerCounters {
  const dayNumber = Math.floor(nowMs / DAY_MS);
  if (apiKey.budget !== undefined) return countersOf(org, floor, apiKey, nowMs);
  const last = kept.get(apiKey);
  if (last !== undefined && last.org === org && last.floor === floor && last.dayNumber === dayNumber) return last.counters;
  const counters = countersOf(org, floor, apiKey, nowMs);
  kept.set(apiKey, { org, floor, dayNumber, counters });
  return counters;
}

function countersOf(org: SnapshotOrg, floor: OrgSpendFloor | undefined, apiKey: SnapshotApiKey, nowMs: number): CallerCounters {
  const day = utcDay(nowMs);
  const userId = apiKey.userId;
  const dailyLimit = org.userDailyLimitMicros[userId] ?? org.dailyLimitMicros;
  const spendFloor = floor ?? NO_SPEND_FLOOR;
  const { creditsMicros, usageDebitedMicros, day: floorDay, userMicros } = spendFloor;
  const ingestedToday = floorDay === day ? (userMicros[userId] ?? 0) : 0;
  const balance: SpendCounter = { key: `org:{${org.id}}`, capMicros: creditsMicros, floorMicros: usageDebitedMicros, retainMs: null };
  const daily: SpendCounter = {
    key: `user:{${org.id}}:${userId}:${day}`,
    capMicros: dailyLimit,
    floorMicros: ingestedToday,
    retainMs: DAILY_COUNTER_RETAIN_MS,
  };
  const keyBudgets = apiKey.budget === undefined ? NO_KEY_BUDGETS : keyBudgetCounters(org.id, apiKey, spendFloor, nowMs);
  return {
    balance,
    daily,
    day,
    resetsAtMs: (Math.floor(nowMs / DAY_MS) + 1) * DAY_MS,
    keyBudgets,
    drawnOn: [balance, daily, ...keyBudgets.map((budget) => budget.counter)],
  };
}

function keyBudgetCounters(orgId: string, apiKey: SnapshotApiKey, floor: OrgSpendFloor, nowMs: number): KeyBudgetCounter[] {
  const budget = apiKey.budget as NonNullable<SnapshotApiKey['budget']>;
  const windows = budgetWindows(budget.timeZone, nowMs);
  const counters: KeyBudgetCounter[] = [];
  for (const period of budgetPeriods) {
    const capMicros = budget[capField[period]];
    if (capMicros === null) continue;
    const window = windows[period];
    const name = keyBudgetWindowName(apiKey.id, period, window);
    counters.push({
      period,
      // A window's counter outlives it by a day, so a request that began just before its end still settles onto it.
      counter: { key: `key:{${orgId}}:${name}`, capMicros, floorMicros: floor.keyWindowMicros?.[name] ?? 0, retainMs: window.endMs - nowMs + DAY_MS },
      window: window.key,
      resetsAtMs: window.endMs,
    });
  }
  return counters;
}
