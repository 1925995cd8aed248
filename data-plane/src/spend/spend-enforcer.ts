// Reserve before the upstream call, settle after it, release when it never happened. reserve() returns
// the request's hold as a handle, so whoever reserved settles or releases it (pipeline/metered-route.ts):
//   reserve  before calling upstream  → 402 / 429 / 503 when it does not fit
//   settle   the usage event's cost replaces the hold (before the event is spooled)
//   release  a request that ended without a usage event spent nothing
// Settling happens before the usage event is spooled: a crash between the two over-counts one request
// (conservative) instead of under-counting it. A hold is renewed while its request runs and lapses
// after `reservationTtlMs` if the process dies, so nothing leaks. Free models and BYOK endpoints
// reserve nothing and settle nothing.
import { GatewayError } from '../../../shared/src/errors.ts';
import { SlotList } from '../../../shared/src/slot-list.ts';
import type { OrgSpendFloor } from '../../../shared/src/spend-floors.ts';
import type { Principal } from '../snapshot/snapshot-view.ts';
import type { CounterStore, ReserveOutcome, SpendCounter, StoreAnswer } from './counter-store.ts';
import { callerCounters, type CallerCounters } from './spend-counters.ts';
import { spendLimitError } from './spend-limit-error.ts';
import { spendSummary } from './spend-summary.ts';
import { worstCaseCostMicros, type PricedCandidate, type SpendEstimate } from './worst-case-cost.ts';

export interface SpendEnforcerOptions {
  store: CounterStore;
  /** The org's spend floor as the control plane last sent it (snapshot/spend-floor-store.ts). */
  spendFloor: (orgId: string) => OrgSpendFloor | undefined;
  /** When the store cannot be reached: false = refuse with 503 (default), true = serve without limits. */
  failOpen: boolean;
  reservationTtlMs: number;
  log: (line: string) => void;
}

/** One request's hold on its counters. Settled or released once; every later call does nothing. */
export interface SpendReservation {
  /** What is held against the caller's balance and daily limit; null when nothing is (free, BYOK, fail-open). */
  readonly heldMicros: number | null;
  /**
   * Replaces the hold by the request's actual cost (nothing for BYOK). Failures are logged: the hold lapses
   * on its own. A promise only when the store answers with one (await it then: settled before spooled).
   */
  settle(cost: { byok: boolean; costMicros: number }): StoreAnswer<void>;
  /** Drops the hold: the request spent nothing. Fire and forget (a failure is logged, and the hold lapses). */
  release(): void;
}

export interface SpendEnforcer {
  /**
   * Holds the request's worst-case cost on the caller's counters, or throws the refusal (synchronously,
   * or as the promise's rejection when the store answers with a promise).
   */
  reserve(requestId: string, principal: Principal, candidates: readonly PricedCandidate[], estimate: SpendEstimate): StoreAnswer<SpendReservation>;
  /** GET /usage's body for the caller. */
  summary(principal: Principal, nowMs: number): Promise<ReturnType<typeof spendSummary>>;
  /** Why metered requests are refused right now (the store is unreachable and limits fail closed), else null. */
  refusing(): string | null;
  close(): Promise<void>;
}

export function createSpendEnforcer(options: SpendEnforcerOptions): SpendEnforcer {
  const { store, spendFloor, failOpen, reservationTtlMs, log } = options;
  const unavailable = (cause: unknown) =>
    new GatewayError('spend_counters_unavailable', 'Spending limits cannot be checked right now (the spend counter store is unreachable); retry shortly.', {
      headers: { 'retry-after': '1' },
      cause,
    });

  /** The store's answer to a reserve: the hold, or the refusal thrown. */
  function reserved(
    outcome: ReserveOutcome,
    requestId: string,
    amount: number,
    counters: CallerCounters,
    drawnOn: readonly SpendCounter[],
    nowMs: number,
  ): SpendReservation {
    if (outcome.ok) return new HeldReservation(requestId, amount, drawnOn, held, options);
    const refusedBy = drawnOn[outcome.counter] as SpendCounter;
    const keyBudget = counters.keyBudgets.find((budget) => budget.counter === refusedBy);
    throw spendLimitError({
      limit: refusedBy === counters.balance ? 'balance' : refusedBy === counters.daily ? 'daily' : `key_${keyBudget?.period ?? 'daily'}`,
      limitMicros: refusedBy.capMicros ?? 0,
      reading: outcome.reading,
      requestedMicros: amount,
      resetsAtMs: keyBudget?.resetsAtMs ?? counters.resetsAtMs,
      nowMs,
    });
  }

  /** A reserve that failed (thrown or rejected): a timed-out one may still have been applied, so it is undone (a no-op otherwise; else it lapses). */
  function failedReserve(error: unknown, requestId: string, drawnOn: readonly SpendCounter[]): SpendReservation {
    try {
      const undone = store.release(requestId, drawnOn);
      if (undone instanceof Promise) undone.catch(() => {});
    } catch {
      // Nothing more to undo: the hold lapses on its own.
    }
    return unreachable(error);
  }

  let lastLogged = '';
  /** One line per distinct failure, not one per request, while the store stays unreachable. */
  function logOnce(line: string): void {
    if (line !== lastLogged) log(line);
    lastLogged = line;
  }

  /** The store could not be reached: refused (fail-closed) or served without limits (fail-open). */
  function unreachable(error: unknown): SpendReservation {
    logOnce(`spend counters unreachable (${failOpen ? 'fail-open: serving without limits' : 'fail-closed: answering 503'}): ${String(error)}`);
    if (!failOpen) throw unavailable(error);
    return nothingHeld;
  }

  // One timer renews every hold in flight, instead of an interval per request (created and cleared on
  // every request, it cost more than the renewals). A hold is renewed within ttl/3 of being taken, and
  // every ttl/3 after, as long as it is in `held`.
  const held = new SlotList<HeldReservation>();
  const renewal = setInterval(() => {
    for (const hold of held.members) hold.renew(reservationTtlMs);
  }, reservationTtlMs / 3);
  renewal.unref();

  return {
    reserve(requestId, principal, candidates, estimate) {
      const amount = worstCaseCostMicros(candidates, estimate);
      if (amount === 0) return nothingHeld;
      const nowMs = Date.now();
      const counters = callerCounters(principal.org, spendFloor(principal.org.id), principal.apiKey, nowMs);
      const drawnOn = counters.drawnOn;
      // A store known to be down answers at once rather than after a reconnect attempt fails.
      const down = store.unreachable();
      if (down !== null) return unreachable(new Error(down));
      let outcome: StoreAnswer<ReserveOutcome>;
      try {
        outcome = store.reserve(requestId, amount, reservationTtlMs, drawnOn);
      } catch (error) {
        return failedReserve(error, requestId, drawnOn);
      }
      // The in-process store answers at once: the request gets its hold without a promise (or a closure).
      if (!(outcome instanceof Promise)) return reserved(outcome, requestId, amount, counters, drawnOn, nowMs);
      return outcome.then(
        (answer) => reserved(answer, requestId, amount, counters, drawnOn, nowMs),
        (error: unknown) => failedReserve(error, requestId, drawnOn),
      );
    },
    async summary(principal, nowMs) {
      const counters = callerCounters(principal.org, spendFloor(principal.org.id), principal.apiKey, nowMs);
      let readings: Awaited<ReturnType<CounterStore['read']>>;
      try {
        readings = await store.read(counters.drawnOn);
      } catch (error) {
        throw unavailable(error);
      }
      const [balance, daily, ...keyBudgets] = readings;
      if (balance === undefined || daily === undefined || keyBudgets.length !== counters.keyBudgets.length) {
        throw new Error('spend counter store returned too few readings');
      }
      return spendSummary(counters, balance, daily, keyBudgets);
    },
    refusing: () => (failOpen ? null : store.unreachable()),
    close: () => {
      clearInterval(renewal);
      return store.close();
    },
  };
}

/** Free models, BYOK endpoints and fail-open: nothing was held, so there is nothing to settle or release. */
const nothingHeld: SpendReservation = {
  heldMicros: null,
  settle: () => {},
  release: () => {},
};

class HeldReservation implements SpendReservation {
  readonly #id: string;
  readonly #counters: readonly SpendCounter[];
  readonly #store: CounterStore;
  readonly #log: (line: string) => void;
  /** The enforcer's holds in flight, which its timer renews; this one leaves it once settled or released. */
  readonly #held: SlotList<HeldReservation>;

  readonly heldMicros: number;
  /** Where it is in `#held`; -1 once settled or released. */
  slot = -1;

  constructor(
    id: string,
    heldMicros: number,
    counters: readonly SpendCounter[],
    held: SlotList<HeldReservation>,
    options: Pick<SpendEnforcerOptions, 'store' | 'log'>,
  ) {
    this.#id = id;
    this.heldMicros = heldMicros;
    this.#counters = counters;
    this.#store = options.store;
    this.#log = options.log;
    this.#held = held;
    held.add(this);
  }

  /** Pushes the hold's expiry to now + ttlMs while its request runs. */
  renew(ttlMs: number): void {
    this.#store.extend(this.#id, ttlMs, this.#counters).catch((error: unknown) => this.#log(`spend reservation ${this.#id}: renewal failed: ${String(error)}`));
  }

  settle(cost: { byok: boolean; costMicros: number }): StoreAnswer<void> {
    if (!this.#end()) return;
    // A failure is logged: the hold lapses on its own, and the ingested usage raises the counters' floor later.
    try {
      const settled = this.#store.settle(this.#id, cost.byok ? 0 : cost.costMicros, this.#counters);
      if (settled instanceof Promise) return settled.catch((error: unknown) => this.#failed('settle failed', error));
    } catch (error) {
      this.#failed('settle failed', error);
    }
  }

  release(): void {
    if (!this.#end()) return;
    try {
      const released = this.#store.release(this.#id, this.#counters);
      if (released instanceof Promise) released.catch((error: unknown) => this.#failed('release failed (it lapses on its own)', error));
    } catch (error) {
      this.#failed('release failed (it lapses on its own)', error);
    }
  }

  #failed(what: string, error: unknown): void {
    this.#log(`spend reservation ${this.#id}: ${what}: ${String(error)}`);
  }

  /** True the first time: the hold is over, its renewals stop. */
  #end(): boolean {
    return this.#held.remove(this);
  }
}
