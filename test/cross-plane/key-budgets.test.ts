// A key's budget is a limit across replicas, for each of its windows: three data planes share spend
// counters in Redis behind one control plane, and 1000 concurrent requests with one key hit its $0.05
// daily, weekly or monthly budget. Each request costs exactly what it reserves (the prompt is free, the
// simulator always answers max_tokens tokens), so the budget admits exactly floor(budget / cost) requests
// whatever the interleaving, and the usage rows stored afterwards add up to no more than the budget. A
// flushed Redis then counts the key's window from what the control plane ingested (its spend floor).
import { randomUUID } from 'node:crypto';
import { createTRPCClient, httpLink } from '@trpc/client';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppRouter } from '../../control-plane/src/trpc/routers/_app.ts';
import { type DataPlane } from '../../data-plane/src/start-data-plane.ts';
import { addCatalogModel } from '../support/add-catalog-model.ts';
import { startGateway, type Gateway } from '../support/gateway-harness.ts';
import { testEngines } from '../support/test-database.ts';
import { startRedisReplicas, type RedisReplicas } from '../support/redis-replicas.ts';

const redisUrl = process.env.REDIS_URL;
if (!redisUrl) console.warn('key-budgets.test.ts: REDIS_URL is not set, skipping the three-replica key budget tests');

const MODEL = 'budgetsim/fixed';
const MAX_TOKENS = 10;
/** 10 µ$ per completion token: every request costs and reserves 10 × 10 = 100 µ$. */
const COMPLETION_NANOS = 10_000;
const COST_MICROS = 100;
const BUDGET_MICROS = 50_000;
const REQUESTS = 1000;
const BURST_TEST_TIMEOUT_MS = 180_000;

// The production engine where there is one: three bursts of 1000 per engine are long on a shared machine.
describe.skipIf(!redisUrl).each(testEngines.slice(-1))('a key budget on three data planes sharing Redis (%s)', (engine) => {
  let gateway: Gateway;
  let replicas: DataPlane[] = [];
  let cluster: RedisReplicas | undefined;
  let orgId: string;
  let userId: string;
  let admin: ReturnType<typeof createTRPCClient<AppRouter>>;
  const keyPrefix = `test:key-budget:${randomUUID()}:`;

  beforeAll(async () => {
    gateway = await startGateway(engine);
    const controlPlane = gateway.controlPlane!;
    admin = createTRPCClient<AppRouter>({
      links: [httpLink({ url: `${controlPlane.url}/trpc`, headers: { authorization: `Bearer ${controlPlane.adminToken}` } })],
    });
    await addCatalogModel(
      gateway,
      { slug: 'budgetsim', baseUrl: gateway.simulator.baseUrl, apiKeyEnv: null },
      {
        id: MODEL,
        name: 'Fixed-cost simulator',
        endpoint: { providerSlug: 'budgetsim', upstreamModel: 'fixed', prices: { prompt: 0, completion: COMPLETION_NANOS } },
      },
    );
    gateway.simulator.scenario = () => ({ reply: Array.from({ length: MAX_TOKENS }, (_, index) => `w${index}`).join(' ') });
    ({ orgId, userId } = await controlPlane.prisma.apiKey.findFirstOrThrow({ where: { name: 'dev' } }));

    cluster = await startRedisReplicas(gateway.controlPlane!, { redisUrl: redisUrl as string, keyPrefix });
    replicas = cluster.dataPlanes;
  });

  afterAll(async () => {
    await cluster?.close();
    await gateway?.close();
  });

  async function usageOf(replica: DataPlane, key: string): Promise<UsageBody> {
    const response = await fetch(`${replica.url}/v1/usage`, { headers: { authorization: `Bearer ${key}` } });
    return (await response.json()) as UsageBody;
  }

  /** A new key of the seeded member with one window capped, once every replica enforces it. */
  async function keyWithBudget(period: Period, timeZone: string): Promise<{ key: string; id: string }> {
    const created = await admin.apiKeys.create.mutate({ orgId, userId, name: `budget ${period}`, budget: { [`${period}Micros`]: BUDGET_MICROS, timeZone } });
    expect(created.budget).toMatchObject({ [`${period}Micros`]: BUDGET_MICROS, timeZone });
    for (const replica of replicas) {
      await expect.poll(async () => (await usageOf(replica, created.key)).key_budget?.[period]?.limit_micros).toBe(BUDGET_MICROS);
    }
    return { key: created.key, id: created.id };
  }

  async function burst(key: string): Promise<Record<number, number>> {
    const statuses = await Promise.all(
      Array.from({ length: REQUESTS }, async (_, index) => {
        const replica = replicas[index % replicas.length] as DataPlane;
        const response = await fetch(`${replica.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
          body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: `request ${index}` }], max_tokens: MAX_TOKENS }),
        });
        const body = (await response.json()) as { error?: { code: string } };
        if (response.status === 429) expect(body.error?.code).toBe('key_budget_exceeded');
        return response.status;
      }),
    );
    const counts: Record<number, number> = {};
    for (const status of statuses) counts[status] = (counts[status] ?? 0) + 1;
    return counts;
  }

  async function storedSpend(apiKeyId: string): Promise<{ rows: number; costMicros: number }> {
    await Promise.all(replicas.map((replica) => replica.flushUsage()));
    const rows = await gateway.controlPlane!.prisma.usageRecord.findMany({ where: { apiKeyId }, select: { costMicros: true } });
    return { rows: rows.length, costMicros: rows.reduce((sum, row) => sum + Number(row.costMicros), 0) };
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
        expect(await burst(key)).toEqual({ 200: BUDGET_MICROS / COST_MICROS, 429: REQUESTS - BUDGET_MICROS / COST_MICROS });
        expect(await storedSpend(id)).toEqual({ rows: BUDGET_MICROS / COST_MICROS, costMicros: BUDGET_MICROS });
        for (const replica of replicas) {
          expect((await usageOf(replica, key)).key_budget?.[period]).toMatchObject({ used_micros: BUDGET_MICROS, in_flight_micros: 0, remaining_micros: 0 });
        }
        if (period !== 'monthly') return;
        // A flushed Redis counts the window from the ledger (usage_daily and the raw edges in the key's zone).
        const redis = new Redis(redisUrl as string);
        try {
          const keys = await redis.keys(`${keyPrefix}*`);
          if (keys.length > 0) await redis.del(...keys);
        } finally {
          redis.disconnect();
        }
        for (const replica of replicas) {
          await expect.poll(async () => (await usageOf(replica, key)).key_budget?.monthly?.used_micros).toBe(BUDGET_MICROS);
        }
        expect(await burst(key)).toEqual({ 429: REQUESTS });
      },
      BURST_TEST_TIMEOUT_MS,
    );
  }
});

type Period = 'daily' | 'weekly' | 'monthly';

interface UsageBody {
  key_budget?: Partial<Record<Period, { limit_micros: number; used_micros: number; in_flight_micros: number; remaining_micros: number }>>;
}
