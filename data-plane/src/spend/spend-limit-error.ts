// The refusal a client gets when a reservation does not fit: 402 for the org's balance, 429 with
// `retry-after` (seconds to the next 00:00 UTC) for the user's daily limit. The envelope's `error` names
// the limit and carries the amounts in µ$ and USD, and the reset time.
import { GatewayError } from '../../../shared/src/errors.ts';
import { microToUsd } from '../../../shared/src/money.ts';
import type { CounterReading } from './counter-store.ts';

export interface SpendRefusal {
  limit: 'balance' | 'daily';
  limitMicros: number;
  reading: CounterReading;
  requestedMicros: number;
  /** Next 00:00 UTC, epoch ms (the daily limit's reset). */
  resetsAtMs: number;
  nowMs: number;
}

export function spendLimitError(refusal: SpendRefusal): GatewayError {
  const { limit, limitMicros, reading, requestedMicros } = refusal;
  const usedMicros = reading.settledMicros;
  const inFlightMicros = reading.reservedMicros;
  const availableMicros = Math.max(0, limitMicros - usedMicros - inFlightMicros);
  const resetsAt = limit === 'daily' ? new Date(refusal.resetsAtMs).toISOString() : null;
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
  return new GatewayError(
    'daily_limit_exceeded',
    `Your daily spending limit of ${usd(limitMicros)} is reached: ${usd(usedMicros)} spent today and ${usd(inFlightMicros)} held by requests in flight, and ${needs}. The limit resets at ${resetsAt} (00:00 UTC).`,
    { details, headers: { 'retry-after': String(retryAfterSeconds) } },
  );
}

function usd(micros: number): string {
  return `$${microToUsd(micros).toFixed(6)}`;
}
