// GET /usage's body: the caller's daily limit, spend today, what remains and when it resets, the calling
// key's budgets per window, and the org's balance as this data plane enforces it (credits − spend,
// settled or ingested − requests in flight).
import { microToUsd } from '../../../shared/src/money.ts';
import type { CounterReading } from './counter-store.ts';
import type { CallerCounters } from './spend-counters.ts';

export function spendSummary(counters: CallerCounters, balance: CounterReading, daily: CounterReading, keyBudgets: readonly CounterReading[]) {
  const limit = counters.daily.capMicros;
  const remaining = limit === null ? null : Math.max(0, limit - daily.settledMicros - daily.reservedMicros);
  const credits = counters.balance.capMicros ?? 0;
  const available = Math.max(0, credits - balance.settledMicros - balance.reservedMicros);
  return {
    object: 'usage',
    day: counters.day,
    resets_at: new Date(counters.resetsAtMs).toISOString(),
    daily: {
      limit_micros: limit,
      used_micros: daily.settledMicros,
      in_flight_micros: daily.reservedMicros,
      remaining_micros: remaining,
      limit_usd: limit === null ? null : microToUsd(limit),
      used_usd: microToUsd(daily.settledMicros),
      in_flight_usd: microToUsd(daily.reservedMicros),
      remaining_usd: remaining === null ? null : microToUsd(remaining),
    },
    balance: {
      credits_micros: credits,
      spent_micros: balance.settledMicros,
      in_flight_micros: balance.reservedMicros,
      available_micros: available,
      credits_usd: microToUsd(credits),
      spent_usd: microToUsd(balance.settledMicros),
      in_flight_usd: microToUsd(balance.reservedMicros),
      available_usd: microToUsd(available),
    },
    /** The calling key's capped windows (daily, weekly, monthly); absent ones have no cap. */
    key_budget: Object.fromEntries(
      counters.keyBudgets.map((budget, index) => {
        const reading = keyBudgets[index] as CounterReading;
        const cap = budget.counter.capMicros ?? 0;
        const left = Math.max(0, cap - reading.settledMicros - reading.reservedMicros);
        const window = {
          window: budget.window,
          resets_at: new Date(budget.resetsAtMs).toISOString(),
          limit_micros: cap,
          used_micros: reading.settledMicros,
          in_flight_micros: reading.reservedMicros,
          remaining_micros: left,
          limit_usd: microToUsd(cap),
          used_usd: microToUsd(reading.settledMicros),
          in_flight_usd: microToUsd(reading.reservedMicros),
          remaining_usd: microToUsd(left),
        };
        return [budget.period, window];
      }),
    ),
  };
}
