// One contract, two stores: every test runs on the in-process store and, when REDIS_URL is set, on the
// Redis store under a key prefix of its own (so parallel runs never share counters).
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import type { CounterStore, SpendCounter } from './counter-store.ts';
import { createInProcessCounterStore } from './in-process-counter-store.ts';
import { createRedisCounterStore } from './redis-counter-store.ts';

const redisUrl = process.env.REDIS_URL;
if (!redisUrl) console.warn('counter-store.test.ts: REDIS_URL is not set, skipping the Redis counter store');

const keyPrefix = `test:spend:${randomUUID()}:`;
const stores: Array<[string, () => Promise<CounterStore>]> = [['in-process', async () => createInProcessCounterStore()]];
if (redisUrl) {
  stores.push([
    'redis',
    async () => {
      const store = createRedisCounterStore({ url: redisUrl, keyPrefix });
      await store.ready();
      return store;
    },
  ]);
}

const opened: CounterStore[] = [];
afterAll(async () => {
  for (const store of opened) await store.close();
  if (redisUrl) await deleteKeys(redisUrl, keyPrefix);
});

/** Leaves the shared Redis as it was found. */
async function deleteKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url);
  try {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}

/** A fresh pair of counters (a balance and a daily limit) under unique names. */
function counters(balanceCap: number | null, dailyCap: number | null, floors: [number, number] = [0, 0]): [SpendCounter, SpendCounter] {
  const org = randomUUID();
  return [
    { key: `org:{${org}}`, capMicros: balanceCap, floorMicros: floors[0], retainMs: null },
    { key: `user:{${org}}:user:2026-11-25`, capMicros: dailyCap, floorMicros: floors[1], retainMs: 172_800_000 },
  ];
}

describe.each(stores)('%s counter store', (_name, open) => {
  async function store(): Promise<CounterStore> {
    const created = await open();
    opened.push(created);
    return created;
  }

  it('holds an amount that fits and refuses one that does not, naming the counter and holding nothing', async () => {
    const spend = await store();
    const pair = counters(1_000, 600);
    expect(await spend.reserve('a', 500, 60_000, pair)).toEqual({ ok: true });
    expect(await spend.reserve('b', 200, 60_000, pair)).toEqual({ ok: false, counter: 1, reading: { settledMicros: 0, reservedMicros: 500 } });
    expect(await spend.read(pair)).toEqual([
      { settledMicros: 0, reservedMicros: 500 },
      { settledMicros: 0, reservedMicros: 500 },
    ]);
    expect(await spend.reserve('c', 100, 60_000, pair)).toEqual({ ok: true });
    expect(await spend.reserve('d', 401, 60_000, pair)).toEqual({ ok: false, counter: 0, reading: { settledMicros: 0, reservedMicros: 600 } });
  });

  it('settles the actual cost in place of the hold, and release frees a hold without spending', async () => {
    const spend = await store();
    const pair = counters(1_000, null);
    await spend.reserve('a', 400, 60_000, pair);
    await spend.reserve('b', 400, 60_000, pair);
    await spend.settle('a', 123, pair);
    await spend.release('b', pair);
    expect(await spend.read(pair)).toEqual([
      { settledMicros: 123, reservedMicros: 0 },
      { settledMicros: 123, reservedMicros: 0 },
    ]);
    // Settling or releasing an id twice changes nothing more than its first settle.
    await spend.release('a', pair);
    expect((await spend.read(pair))[0]).toEqual({ settledMicros: 123, reservedMicros: 0 });
  });

  it('never counts less than the floor (the ingested ledger), and adds to it after a flush', async () => {
    const spend = await store();
    const [balance, daily] = counters(10_000, 5_000, [7_000, 4_000]);
    // A fresh counter (a flushed Redis, a restarted process) starts from what the ledger already holds.
    expect(await spend.reserve('a', 1_001, 60_000, [balance, daily])).toEqual({ ok: false, counter: 1, reading: { settledMicros: 4_000, reservedMicros: 0 } });
    expect(await spend.reserve('b', 1_000, 60_000, [balance, daily])).toEqual({ ok: true });
    await spend.settle('b', 900, [balance, daily]);
    expect(await spend.read([balance, daily])).toEqual([
      { settledMicros: 7_900, reservedMicros: 0 },
      { settledMicros: 4_900, reservedMicros: 0 },
    ]);
    // A floor that has caught up with part of what was settled does not count it twice.
    expect(await spend.read([{ ...balance, floorMicros: 7_500 }])).toEqual([{ settledMicros: 7_900, reservedMicros: 0 }]);
  });

  it('lets the hold of a request that never settles lapse after its TTL', async () => {
    const spend = await store();
    const pair = counters(100, null);
    await spend.reserve('crashed', 100, 1, pair);
    await expect
      .poll(() => spend.read(pair))
      .toEqual([
        { settledMicros: 0, reservedMicros: 0 },
        { settledMicros: 0, reservedMicros: 0 },
      ]);
    expect(await spend.reserve('next', 100, 60_000, pair)).toEqual({ ok: true });
    // A renewed hold stays.
    await spend.extend('next', 60_000, pair);
    expect((await spend.read(pair))[0]).toEqual({ settledMicros: 0, reservedMicros: 100 });
  });

  it('admits exactly as many concurrent reservations as the cap allows', async () => {
    const spend = await store();
    const pair = counters(100_000, 2_500);
    const outcomes = await Promise.all(Array.from({ length: 300 }, (_, index) => spend.reserve(`r${index}`, 10, 60_000, pair)));
    expect(outcomes.filter((outcome) => outcome.ok)).toHaveLength(250);
    expect(await spend.read(pair)).toEqual([
      { settledMicros: 0, reservedMicros: 2_500 },
      { settledMicros: 0, reservedMicros: 2_500 },
    ]);
  });
});

describe('in-process counter store, lapsing holds on a clock of its own', () => {
  it('lapses each hold at its own TTL, whichever holds were settled or renewed before', async () => {
    let nowMs = 0;
    const spend = createInProcessCounterStore(() => nowMs);
    const [balance] = counters(null, null);
    await spend.reserve('short', 1, 10, [balance]);
    await spend.reserve('settled', 10, 5, [balance]);
    await spend.reserve('long', 100, 1_000, [balance]);
    await spend.settle('settled', 0, [balance]);
    nowMs = 20;
    expect(await spend.read([balance])).toEqual([{ settledMicros: 0, reservedMicros: 100 }]);
    await spend.extend('long', 1_000, [balance]);
    nowMs = 1_010;
    expect(await spend.read([balance])).toEqual([{ settledMicros: 0, reservedMicros: 100 }]);
    nowMs = 1_020;
    expect(await spend.read([balance])).toEqual([{ settledMicros: 0, reservedMicros: 0 }]);
  });
});
