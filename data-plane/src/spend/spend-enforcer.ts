// Reserve before the upstream call, settle after it, release when it never happened. A request's
// reservation is remembered by its response object, so the pipeline's calls stay one line each:
//   reserve  (handle-*.ts, before calling upstream)  → 402 / 429 / 503 when it does not fit
//   settle   (finish-metered-response.ts appendUsage) the usage event's cost replaces the hold
//   release  (http/create-app.ts, a request that failed before it was metered)
// Settling happens before the usage event is spooled: a crash between the two over-counts one request
// (conservative) instead of under-counting it. A hold is renewed while its request runs and lapses
// after `reservationTtlMs` if the process dies, so nothing leaks. Free models and BYOK endpoints
// reserve nothing and settle nothing.
import { GatewayError } from '../../../shared/src/errors.ts';
import type { UsageEvent } from '../../../shared/src/usage-event.ts';
import type { Principal } from '../snapshot/snapshot-view.ts';
import type { EndpointCandidate } from '../pipeline/choose-endpoints.ts';
import type { CounterStore, SpendCounter } from './counter-store.ts';
import { callerCounters } from './spend-counters.ts';
import { spendLimitError } from './spend-limit-error.ts';
import { spendSummary } from './spend-summary.ts';
import { worstCaseCostMicros, type SpendEstimate } from './worst-case-cost.ts';

export const DEFAULT_RESERVATION_TTL_MS = 60_000;

export interface SpendEnforcerOptions {
  store: CounterStore;
  /** When the store cannot be reached: false = refuse with 503 (default), true = serve without limits. */
  failOpen: boolean;
  reservationTtlMs: number;
  log: (line: string) => void;
}

interface Reservation {
  id: string;
  counters: SpendCounter[];
  renewal: NodeJS.Timeout;
}

export interface SpendEnforcer {
  /** Holds the request's worst-case cost, or throws the refusal. `request` is the key for settle/release. */
  reserve(request: object, requestId: string, principal: Principal, candidates: readonly EndpointCandidate[], estimate: SpendEstimate): Promise<void>;
  /** Replaces the request's hold by its actual cost (nothing for BYOK). */
  settle(request: object, event: UsageEvent): Promise<void>;
  /** Drops the request's hold, if it still has one. */
  release(request: object): Promise<void>;
  /** GET /usage's body for the caller. */
  summary(principal: Principal, nowMs: number): Promise<ReturnType<typeof spendSummary>>;
  close(): Promise<void>;
}

export function createSpendEnforcer(options: SpendEnforcerOptions): SpendEnforcer {
  const { store, failOpen, reservationTtlMs, log } = options;
  const reservations = new WeakMap<object, Reservation>();
  const unavailable = (cause: unknown) =>
    new GatewayError('spend_counters_unavailable', 'Spending limits cannot be checked right now (the spend counter store is unreachable); retry shortly.', {
      headers: { 'retry-after': '1' },
      cause,
    });

  let lastLogged = '';
  /** One line per distinct failure, not one per request, while the store stays unreachable. */
  function logOnce(line: string): void {
    if (line !== lastLogged) log(line);
    lastLogged = line;
  }

  function take(request: object): Reservation | undefined {
    const reservation = reservations.get(request);
    if (reservation === undefined) return undefined;
    reservations.delete(request);
    clearInterval(reservation.renewal);
    return reservation;
  }

  return {
    async reserve(request, requestId, principal, candidates, estimate) {
      const amount = worstCaseCostMicros(candidates, estimate);
      if (amount === 0) return;
      const nowMs = Date.now();
      const counters = callerCounters(principal.org, principal.apiKey.userId, nowMs);
      const drawnOn = [counters.balance, counters.daily];
      let outcome: Awaited<ReturnType<CounterStore['reserve']>>;
      try {
        outcome = await store.reserve(requestId, amount, reservationTtlMs, drawnOn);
      } catch (error) {
        // A timed-out reserve may still have been applied: undo it (a no-op otherwise; else it lapses).
        store.release(requestId, drawnOn).catch(() => {});
        logOnce(`spend counters unreachable (${failOpen ? 'fail-open: serving without limits' : 'fail-closed: answering 503'}): ${String(error)}`);
        if (!failOpen) throw unavailable(error);
        return;
      }
      if (!outcome.ok) {
        const refusedBy = drawnOn[outcome.counter] as SpendCounter;
        throw spendLimitError({
          limit: refusedBy === counters.balance ? 'balance' : 'daily',
          limitMicros: refusedBy.capMicros ?? 0,
          reading: outcome.reading,
          requestedMicros: amount,
          resetsAtMs: counters.resetsAtMs,
          nowMs,
        });
      }
      const renewal = setInterval(() => {
        store.extend(requestId, reservationTtlMs, drawnOn).catch((error: unknown) => log(`spend reservation ${requestId}: renewal failed: ${String(error)}`));
      }, reservationTtlMs / 3);
      renewal.unref();
      reservations.set(request, { id: requestId, counters: drawnOn, renewal });
    },
    async settle(request, event) {
      const reservation = take(request);
      if (reservation === undefined) return;
      try {
        await store.settle(reservation.id, event.byok ? 0 : event.costMicros, reservation.counters);
      } catch (error) {
        // The hold lapses on its own; the ingested usage raises the counters' floor later.
        log(`spend reservation ${reservation.id}: settle failed: ${String(error)}`);
      }
    },
    async release(request) {
      const reservation = take(request);
      if (reservation === undefined) return;
      try {
        await store.release(reservation.id, reservation.counters);
      } catch (error) {
        log(`spend reservation ${reservation.id}: release failed (it lapses on its own): ${String(error)}`);
      }
    },
    async summary(principal, nowMs) {
      const counters = callerCounters(principal.org, principal.apiKey.userId, nowMs);
      let readings: Awaited<ReturnType<CounterStore['read']>>;
      try {
        readings = await store.read([counters.balance, counters.daily]);
      } catch (error) {
        throw unavailable(error);
      }
      const [balance, daily] = readings;
      if (balance === undefined || daily === undefined) throw new Error('spend counter store returned too few readings');
      return spendSummary(counters, balance, daily);
    },
    close: () => store.close(),
  };
}
