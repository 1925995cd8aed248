// A key's budget is a limit across replicas, for each of its windows: three data planes share spend
// counters in Redis behind one control plane, and 1000 concurrent requests with one key hit its $0.05
// daily, weekly or monthly budget. Each request costs exactly what it reserves (the prompt is free, the
// simulator always answers max_tokens tokens), so the budget admits exactly floor(budget / cost) requests
// whatever the interleaving, and the usage rows stored afterwards add up to no more than the budget. A
// flushed Redis then counts the key's window from what the control plane ingested (its spend floor).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataPlane } from '../../data-plane/src/start-data-plane.ts';
import { FIXED_COST, startLimitCluster, type LimitCluster } from '../support/limit-cluster.ts';
import { testEngines } from '../support/test-database.ts';

const redisUrl = process.env.REDIS_URL;
if (!redisUrl) console.warn('key-budgets.test.ts: REDIS_URL is not set, skipping the three-replica key budget tests');

const BUDGET_MICROS = 50_000;
const REQUESTS = 1000;
const BURST_TEST_TIMEOUT_MS = 180_000;

// The production engine where there is one: three bursts of 1000 per engine are long on a shared machine.
describe.skipIf(!redisUrl).each(testEngines.slice(-1))('a key budget on three data planes sharing Redis (%s)', (engine) => {
  let cluster: LimitCluster;

  beforeAll(async () => {
    cluster = await startLimitCluster(engine, { slug: 'budgetsim', redisUrl: redisUrl as string, keyPrefix: `test:key-budget:${randomUUID()}:` });
  });

  afterAll(async () => {
    await cluster?.close();
  });

  const usageOf = (replica: DataPlane, key: string) => cluster.usageOf<UsageBody>(replica, key);

  /** A new key of the seeded member with one window capped, once every replica enforces it. */
  async function keyWithBudget(period: Period, timeZone: string): Promise<{ key: string; id: string }> {
    const created = await cluster.admin.apiKeys.create.mutate({
      orgId: cluster.orgId,
      userId: cluster.userId,
      name: `budget ${period}`,
      budget: { [`${period}Micros`]: BUDGET_MICROS, timeZone },
    });
    expect(created.budget).toMatchObject({ [`${period}Micros`]: BUDGET_MICROS, timeZone });
    for (const replica of cluster.replicas) {
      await expect.poll(async () => (await usageOf(replica, created.key)).key_budget?.[period]?.limit_micros).toBe(BUDGET_MICROS);
    }
    return { key: created.key, id: created.id };
  }

  const windows: Array<[Period, string]> = [
    ['daily', 'UTC'],
    ['weekly', 'Asia/Kolkata'],
    ['monthly', 'America/Los_Angeles'],
  ];
  for (const [period, timeZone] of windows) {
    it(
      `a $0.05 ${period} budget (${timeZone}) admits exactly 500 requests of 100 µ$ out of 1000, and no more is spent`,
      async () => {
        const { key, id } = await keyWithBudget(period, timeZone);
        const admitted = BUDGET_MICROS / FIXED_COST.costMicros;
        expect(await cluster.burst(key, REQUESTS, refusedForTheBudget)).toEqual({ 200: admitted, 429: REQUESTS - admitted });
        expect(await cluster.storedSpend({ apiKeyId: id })).toEqual({ rows: admitted, costMicros: BUDGET_MICROS });
        for (const replica of cluster.replicas) {
          expect((await usageOf(replica, key)).key_budget?.[period]).toMatchObject({ used_micros: BUDGET_MICROS, in_flight_micros: 0, remaining_micros: 0 });
        }
        if (period !== 'monthly') return;
        // A flushed Redis counts the window from the ledger (usage_daily and the raw edges in the key's zone).
        await cluster.flushRedis();
        for (const replica of cluster.replicas) {
          await expect.poll(async () => (await usageOf(replica, key)).key_budget?.monthly?.used_micros).toBe(BUDGET_MICROS);
        }
        expect(await cluster.burst(key, REQUESTS, refusedForTheBudget)).toEqual({ 429: REQUESTS });
      },
      BURST_TEST_TIMEOUT_MS,
    );
  }
});

type Period = 'daily' | 'weekly' | 'monthly';

function refusedForTheBudget(status: number, body: { error?: { code: string } }): void {
  if (status === 429) expect(body.error?.code).toBe('key_budget_exceeded');
}

interface UsageBody {
  key_budget?: Partial<Record<Period, { limit_micros: number; used_micros: number; in_flight_micros: number; remaining_micros: number }>>;
}
