// Spend counters behind one interface: in-process for a single data plane, Redis when several share
// them. A counter holds settled spend and the reservations in flight; reserve() checks every counter a
// request draws on and holds the amount on all of them, or on none, in one atomic step.

/** One counter a request draws on, e.g. an org's balance or a user's spend on one UTC day. */
export interface SpendCounter {
  /** Stable name; `{orgId}` in braces keeps one org's counters in one Redis Cluster slot. */
  key: string;
  /** settled + reserved + amount may not exceed this; null = counted but not capped. */
  capMicros: number | null;
  /**
   * What the control plane has already ingested for this counter. Settled spend is raised to at least
   * this before it is used, so a flushed Redis or a restarted process never counts less than the ledger.
   */
  floorMicros: number;
  /** The counter is forgotten this long after its last write (daily counters); null = kept. */
  retainMs: number | null;
}

export interface CounterReading {
  settledMicros: number;
  reservedMicros: number;
}

export type ReserveOutcome =
  | { ok: true }
  /** `counter` is the index of the first counter whose cap refused the amount. */
  | { ok: false; counter: number; reading: CounterReading };

/**
 * A store that never waits (the in-process one) answers synchronously, so a request on the hot path makes
 * no promise for it; callers await only when the answer is a promise (the Redis store, a worker's proxy).
 */
export type StoreAnswer<T> = T | Promise<T>;

export interface CounterStore {
  /** Holds `amountMicros` on every counter for `ttlMs` (an unsettled hold then lapses), unless a cap refuses. */
  reserve(reservationId: string, amountMicros: number, ttlMs: number, counters: readonly SpendCounter[]): StoreAnswer<ReserveOutcome>;
  /** Pushes a hold's expiry to now + ttlMs (a long stream keeps its reservation). */
  extend(reservationId: string, ttlMs: number, counters: readonly SpendCounter[]): Promise<void>;
  /** Drops the hold (if it has not lapsed) and adds the actual cost to settled spend. */
  settle(reservationId: string, costMicros: number, counters: readonly SpendCounter[]): StoreAnswer<void>;
  /** Drops the hold; nothing is spent. */
  release(reservationId: string, counters: readonly SpendCounter[]): StoreAnswer<void>;
  read(counters: readonly SpendCounter[]): Promise<CounterReading[]>;
  /** Why the store is known to be unreachable right now (its connection is down), else null. */
  unreachable(): string | null;
  close(): Promise<void>;
}
