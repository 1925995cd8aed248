// The counter store of a single data plane: plain maps, so every operation is atomic by construction
// (nothing awaits in between). Lapsed holds are swept when a counter is touched. reserve, settle and
// release answer synchronously: they are on every metered request's path, where a promise each (and
// the await's turn of the microtask queue) cost more than the maps.
// A request's one hold is kept once, by its reservation id, and knows its counters: a map of holds per
// counter made a set and a delete in each of them per request (three or four), whose deleted entries made
// the maps rehash (a new table each) every few requests.
import type { CounterReading, CounterStore, ReserveOutcome, SpendCounter } from './counter-store.ts';

interface Counter {
  settled: number;
  /** The holds' amounts on this counter. */
  reserved: number;
  /** Epoch ms after which the counter is dropped; null = kept. */
  forgetAt: number | null;
}

interface Hold {
  amount: number;
  /** When it lapses (epoch ms). */
  expiresAt: number;
  /** The counters it is held on. */
  counters: Counter[];
}

const RESERVED: ReserveOutcome = Object.freeze({ ok: true });

export function createInProcessCounterStore(now: () => number = Date.now): CounterStore {
  const counters = new Map<string, Counter>();
  /** reservation id → its hold. */
  const holds = new Map<string, Hold>();
  /** No hold lapses before this (epoch ms): the sweep is skipped until then, instead of walking every hold per touch. */
  let sweepAt = Infinity;
  const touched: Counter[] = [];
  let nextForgetSweep = 0;

  /** The live counter, with lapsed holds swept and settled spend raised to the floor. */
  function touch(definition: SpendCounter, at: number): Counter {
    if (sweepAt <= at) sweepLapsedHolds(at);
    let counter = counters.get(definition.key);
    if (counter === undefined || (counter.forgetAt !== null && counter.forgetAt <= at)) {
      counter = { settled: 0, reserved: 0, forgetAt: null };
      counters.set(definition.key, counter);
    }
    counter.settled = Math.max(counter.settled, definition.floorMicros);
    counter.forgetAt = definition.retainMs === null ? null : at + definition.retainMs;
    return counter;
  }

  function sweepLapsedHolds(at: number): void {
    sweepAt = Infinity;
    for (const [id, hold] of holds) {
      if (hold.expiresAt > at) sweepAt = Math.min(sweepAt, hold.expiresAt);
      else dropHold(id, hold);
    }
  }

  function dropHold(reservationId: string, hold: Hold): void {
    for (const counter of hold.counters) counter.reserved -= hold.amount;
    holds.delete(reservationId);
  }

  /** Drops the hold `reservationId` names, if it has not lapsed. */
  function dropHoldOf(reservationId: string): void {
    const hold = holds.get(reservationId);
    if (hold !== undefined) dropHold(reservationId, hold);
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
      const hold: Hold = { amount: amountMicros, expiresAt: at + ttlMs, counters: touched.slice() };
      for (const counter of touched) counter.reserved += amountMicros;
      holds.set(reservationId, hold);
      sweepAt = Math.min(sweepAt, hold.expiresAt);
      touched.length = 0;
      return RESERVED;
    },
    async extend(reservationId, ttlMs) {
      const at = now();
      const hold = holds.get(reservationId);
      if (hold !== undefined && hold.expiresAt > at) hold.expiresAt = at + ttlMs;
    },
    settle(reservationId, costMicros, definitions) {
      const at = now();
      if (sweepAt <= at) sweepLapsedHolds(at);
      dropHoldOf(reservationId);
      for (const definition of definitions) touch(definition, at).settled += costMicros;
    },
    release(reservationId, definitions) {
      const at = now();
      if (sweepAt <= at) sweepLapsedHolds(at);
      dropHoldOf(reservationId);
      for (const definition of definitions) touch(definition, at);
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
      holds.clear();
    },
  };
}
