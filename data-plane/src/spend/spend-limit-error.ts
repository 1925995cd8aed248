// The refusal a client gets when a reservation does not fit: 402 for the org's balance, 429 with
// `retry-after` (seconds to the reset) for the user's daily limit (00:00 UTC) and the key's budgets
// (the end of its day, week or month in the key's time zone). The envelope's `error` names the limit
// and carries the amounts in µ$ and USD, and the reset time.
import { GatewayError } from '../../../shared/src/errors.ts';
import { microToUsd } from '../../../shared/src/money.ts';
import type { CounterReading } from './counter-store.ts';

export interface SpendRefusal {
  limit: 'balance' | 'daily' | 'key_daily' | 'key_weekly' | 'key_monthly';
  limitMicros: number;
  reading: CounterReading;
  requestedMicros: number;
  /** When the refusing limit resets, epoch ms (the balance does not). */
  resetsAtMs: number;
  nowMs: number;
}

export function spendLimitError(refusal: SpendRefusal): GatewayError {
  const { limit, limitMicros, reading, requestedMicros } = refusal;
  const usedMicros = reading.settledMicros;
  const inFlightMicros = reading.reservedMicros;
  const availableMicros = Math.max(0, limitMicros - usedMicros - inFlightMicros);
  const resetsAt = limit === 'balance' ? null : new Date(refusal.resetsAtMs).toISOString();
  const details = {
    limit,
    limit_micros: limitMicros,
    used_micros: usedMicros,
    in_flight_micros: inFlightMicros,
    available_micros: availableMicros,
    requested_micros: requestedMicros,
    limit_usd: microToUsd(limitMicros),
    used_usd: microToUsd(usedMicros),
    in_flight_usd: microToUsd(inFlightMicros),
    available_usd: microToUsd(availableMicros),
    requested_usd: microToUsd(requestedMicros),
    resets_at: resetsAt,
  };
  const needs = `this request may cost up to ${usd(requestedMicros)}`;
  if (limit === 'balance') {
    return new GatewayError(
      'insufficient_balance',
      `Your organization's balance is too low: ${usd(availableMicros)} available (${usd(inFlightMicros)} held by requests in flight), and ${needs}. Add credits to continue.`,
      { details },
    );
  }
  const retryAfterSeconds = Math.max(1, Math.ceil((refusal.resetsAtMs - refusal.nowMs) / 1000));
  if (limit !== 'daily') {
    const period = limit.slice('key_'.length);
    return new GatewayError(
      'key_budget_exceeded',
      `This API key's ${period} budget of ${usd(limitMicros)} is reached: ${usd(usedMicros)} spent and ${usd(inFlightMicros)} held by requests in flight, and ${needs}. It resets at ${resetsAt}.`,
      { details, headers: { 'retry-after': String(retryAfterSeconds) } },
    );
  }
  return new GatewayError(
    'daily_limit_exceeded',
    `Your daily spending limit of ${usd(limitMicros)} is reached: ${usd(usedMicros)} spent today and ${usd(inFlightMicros)} held by requests in flight, and ${needs}. The limit resets at ${resetsAt} (00:00 UTC).`,
    { details, headers: { 'retry-after': String(retryAfterSeconds) } },
  );
}

function usd(micros: number): string {
  return `$${microToUsd(micros).toFixed(6)}`;
}
