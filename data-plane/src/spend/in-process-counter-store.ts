// The counter store of a single data plane: plain maps, so every operation is atomic by construction
// (nothing awaits in between). Lapsed holds are swept when a counter is touched. reserve, settle and
// release answer synchronously: they are on every metered request's path, where a promise each (and
// the await's turn of the microtask queue) cost more than the maps.
import type { CounterReading, CounterStore, ReserveOutcome, SpendCounter } from './counter-store.ts';

interface Counter {
  settled: number;
  reserved: number;
  /** reservation id → held amount and when it lapses (epoch ms). */
  holds: Map<string, { amount: number; expiresAt: number }>;
  /** No hold lapses before this (epoch ms): the sweep is skipped until then, instead of walking every hold per touch. */
  sweepAt: number;
  /** Epoch ms after which the counter is dropped; null = kept. */
  forgetAt: number | null;
}

const RESERVED: ReserveOutcome = Object.freeze({ ok: true });

export function createInProcessCounterStore(now: () => number = Date.now): CounterStore {
  const counters = new Map<string, Counter>();
  const touched: Counter[] = [];
  let nextForgetSweep = 0;

  /** The live counter, with lapsed holds swept and settled spend raised to the floor. */
  function touch(definition: SpendCounter, at: number): Counter {
    let counter = counters.get(definition.key);
    if (counter === undefined || (counter.forgetAt !== null && counter.forgetAt <= at)) {
      counter = { settled: 0, reserved: 0, holds: new Map(), sweepAt: Infinity, forgetAt: null };
      counters.set(definition.key, counter);
    }
    if (counter.sweepAt <= at) sweepLapsedHolds(counter, at);
    counter.settled = Math.max(counter.settled, definition.floorMicros);
    counter.forgetAt = definition.retainMs === null ? null : at + definition.retainMs;
    return counter;
  }

  function sweepLapsedHolds(counter: Counter, at: number): void {
    counter.sweepAt = Infinity;
    for (const [id, hold] of counter.holds) {
      if (hold.expiresAt > at) counter.sweepAt = Math.min(counter.sweepAt, hold.expiresAt);
      else {
        counter.reserved -= hold.amount;
        counter.holds.delete(id);
      }
    }
  }

  function dropHold(counter: Counter, reservationId: string): void {
    const hold = counter.holds.get(reservationId);
    if (hold === undefined) return;
    counter.reserved -= hold.amount;
    counter.holds.delete(reservationId);
  }

  /** Drops forgotten counters (yesterday's daily counters), at most once a minute. */
  function forgetStale(at: number): void {
    if (at < nextForgetSweep) return;
    nextForgetSweep = at + 60_000;
    for (const [key, counter] of counters) if (counter.forgetAt !== null && counter.forgetAt <= at) counters.delete(key);
  }

  return {
    reserve(reservationId, amountMicros, ttlMs, definitions): ReserveOutcome {
      const at = now();
      forgetStale(at);
      // Plain loops over a reused list (reserve runs to its end before another can start): no closure,
      // iterator or list per request.
      touched.length = 0;
      for (const definition of definitions) touched.push(touch(definition, at));
      for (let index = 0; index < definitions.length; index += 1) {
        const capMicros = (definitions[index] as SpendCounter).capMicros;
        const counter = touched[index] as Counter;
        if (capMicros !== null && counter.settled + counter.reserved + amountMicros > capMicros) {
          touched.length = 0;
          return { ok: false, counter: index, reading: { settledMicros: counter.settled, reservedMicros: counter.reserved } };
        }
      }
      // One hold for all its counters: they drop it, sweep it and extend it alike.
      const hold = { amount: amountMicros, expiresAt: at + ttlMs };
      for (const counter of touched) {
        counter.holds.set(reservationId, hold);
        counter.sweepAt = Math.min(counter.sweepAt, hold.expiresAt);
        counter.reserved += amountMicros;
      }
      touched.length = 0;
      return RESERVED;
    },
    async extend(reservationId, ttlMs, definitions) {
      const at = now();
      for (const definition of definitions) {
        const hold = counters.get(definition.key)?.holds.get(reservationId);
        if (hold !== undefined && hold.expiresAt > at) hold.expiresAt = at + ttlMs;
      }
    },
    settle(reservationId, costMicros, definitions) {
      const at = now();
      for (const definition of definitions) {
        const counter = touch(definition, at);
        dropHold(counter, reservationId);
        counter.settled += costMicros;
      }
    },
    release(reservationId, definitions) {
      const at = now();
      for (const definition of definitions) dropHold(touch(definition, at), reservationId);
    },
    async read(definitions): Promise<CounterReading[]> {
      const at = now();
      return definitions.map((definition) => {
        const counter = touch(definition, at);
        return { settledMicros: counter.settled, reservedMicros: counter.reserved };
      });
    },
    unreachable: () => null,
    async close() {
      counters.clear();
    },
  };
}
