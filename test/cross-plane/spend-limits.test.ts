// A limit is a limit across replicas: three data planes share spend counters in Redis behind one control
// plane, and 1000 concurrent requests hit first a $0.05 daily limit, then a $0.05 balance. Each request
// costs exactly what it reserves (the prompt is free, the simulator always answers max_tokens tokens), so
// the limit admits exactly floor(limit / cost) requests whatever the interleaving, and the usage rows
// the control plane stores afterwards add up to no more than the limit. The traffic moves only spend
// floors: the snapshot version every replica serves stays where the last admin change left it.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addCatalogModel } from '../support/add-catalog-model.ts';
import { trpcAs } from '../support/control-plane-on-pglite.ts';
import { startGateway, type Gateway } from '../support/gateway-harness.ts';
import { FIXED_COST, startLimitCluster, type LimitCluster } from '../support/limit-cluster.ts';
import { testEngines } from '../support/test-database.ts';

const redisUrl = process.env.REDIS_URL;
if (!redisUrl) console.warn('spend-limits.test.ts: REDIS_URL is not set, skipping the three-replica spend limit tests');

const LIMIT_MICROS = 50_000;
const ADMITTED = LIMIT_MICROS / FIXED_COST.costMicros;
const REQUESTS = 1000;
/** A thousand requests through three data planes in one process on a shared machine take a while. */
const BURST_TEST_TIMEOUT_MS = 180_000;

describe.skipIf(!redisUrl).each(testEngines)('three data planes sharing Redis (%s)', (engine) => {
  let cluster: LimitCluster;
  /** The snapshot version after the daily limit was set, before any traffic. */
  let versionBeforeTraffic = 0;

  beforeAll(async () => {
    cluster = await startLimitCluster(engine, { slug: 'spendsim', redisUrl: redisUrl as string, keyPrefix: `test:spend:${randomUUID()}:` });
  });

  afterAll(async () => {
    await cluster?.close();
  });

  /** Waits until every replica enforces what the control plane last published (seen through GET /usage). */
  async function untilEveryReplica(check: (usage: UsageBody) => boolean): Promise<void> {
    for (const replica of cluster.replicas) {
      await expect.poll(async () => check(await usageOf(replica))).toBe(true);
    }
  }

  async function publishedVersion(): Promise<number> {
    return ((await (await fetch(`${cluster.gateway.controlPlane!.url}/healthz`)).json()) as { snapshotVersion: number }).snapshotVersion;
  }

  async function servedVersions(): Promise<Array<number | null>> {
    return Promise.all(
      cluster.replicas.map(async (replica) => ((await (await fetch(`${replica.url}/healthz`)).json()) as { snapshotVersion: number | null }).snapshotVersion),
    );
  }

  const usageOf = (replica: LimitCluster['replicas'][number]) => cluster.usageOf<UsageBody>(replica, cluster.gateway.apiKey);
  const burst = () => cluster.burst(cluster.gateway.apiKey, REQUESTS);

  it(
    'a $0.05 daily limit admits exactly 500 requests of 100 µ$ out of 1000, and no more is spent',
    async () => {
      await cluster.admin.policies.update.mutate({ orgId: cluster.orgId, dailyLimitMicros: LIMIT_MICROS });
      await untilEveryReplica((usage) => usage.daily.limit_micros === LIMIT_MICROS);
      versionBeforeTraffic = await publishedVersion();
      await expect.poll(servedVersions).toEqual(cluster.replicas.map(() => versionBeforeTraffic));
      const since = new Date();
      const storedSpend = () => cluster.storedSpend({ startedAt: { gte: since } });

      expect(await burst()).toEqual({ 200: ADMITTED, 429: REQUESTS - ADMITTED });
      expect(await storedSpend()).toEqual({ rows: ADMITTED, costMicros: LIMIT_MICROS });
      for (const replica of cluster.replicas) {
        expect((await usageOf(replica)).daily).toMatchObject({ used_micros: LIMIT_MICROS, in_flight_micros: 0, remaining_micros: 0 });
      }
    },
    BURST_TEST_TIMEOUT_MS,
  );

  it(
    'a flushed Redis counts from the ledger, not from zero: the spent limit still refuses',
    async () => {
      expect(await cluster.flushRedis()).toBeGreaterThan(0);
      // The control plane sent the ingested totals (usage_daily, ledger) as spend floors after the last test.
      await untilEveryReplica((usage) => usage.daily.used_micros === LIMIT_MICROS && usage.balance.spent_micros === LIMIT_MICROS);
      expect(await burst()).toEqual({ 429: REQUESTS });
      // Two bursts and their ingest later, the floors arrived (above) and the snapshot never moved.
      expect(await publishedVersion()).toBe(versionBeforeTraffic);
      expect(await servedVersions()).toEqual(cluster.replicas.map(() => versionBeforeTraffic));
    },
    BURST_TEST_TIMEOUT_MS,
  );

  it(
    'a $0.05 balance admits exactly 500 requests of 100 µ$ out of 1000, and the balance ends at zero',
    async () => {
      const { admin, orgId } = cluster;
      await admin.policies.update.mutate({ orgId, dailyLimitMicros: null });
      // Bring the balance down to $0.05: the seed's $10 grant less what the daily-limit test spent.
      const { balanceMicros } = await admin.billing.balance.query({ orgId });
      await admin.billing.addLedgerEntry.mutate({
        orgId,
        kind: 'adjustment',
        amountMicros: LIMIT_MICROS - balanceMicros,
        note: 'spend-limits test: leave $0.05',
      });
      await untilEveryReplica((usage) => usage.daily.limit_micros === null && usage.balance.available_micros === LIMIT_MICROS);
      const since = new Date();
      const storedSpend = () => cluster.storedSpend({ startedAt: { gte: since } });

      expect(await burst()).toEqual({ 200: ADMITTED, 402: REQUESTS - ADMITTED });
      expect(await storedSpend()).toEqual({ rows: ADMITTED, costMicros: LIMIT_MICROS });
      expect((await admin.billing.balance.query({ orgId })).balanceMicros).toBe(0);
    },
    BURST_TEST_TIMEOUT_MS,
  );
});

describe.each(testEngines)('an org with no balance left (%s)', (engine) => {
  const BYOK_MODEL = 'byokspend/echo';
  const PLATFORM_KEY_ENV = 'SPEND_TEST_PLATFORM_API_KEY';
  let gateway: Gateway;

  beforeAll(async () => {
    gateway = await startGateway(engine);
    gateway.providerKeys.set(PLATFORM_KEY_ENV, 'sk-platform-key-for-the-spend-test');
    await addCatalogModel(
      gateway,
      { slug: 'byokspend', baseUrl: gateway.simulator.baseUrl, apiKeyEnv: PLATFORM_KEY_ENV },
      { id: BYOK_MODEL, name: 'Priced echo', endpoint: { providerSlug: 'byokspend', upstreamModel: 'echo', prices: { prompt: 3_000, completion: 15_000 } } },
    );
  });

  afterAll(async () => {
    await gateway?.close();
  });

  it('gets 402 on the platform key and is served once it brings its own key, spending nothing', async () => {
    const controlPlane = gateway.controlPlane!;
    const admin = trpcAs(controlPlane, controlPlane.adminToken);
    const orgId = (await controlPlane.prisma.apiKey.findFirstOrThrow({ where: { name: 'dev' } })).orgId;
    const { balanceMicros } = await admin.billing.balance.query({ orgId });
    await admin.billing.addLedgerEntry.mutate({ orgId, kind: 'adjustment', amountMicros: -balanceMicros, note: 'spend-limits test: empty the balance' });
    const ask = () =>
      fetch(`${gateway.dataPlane!.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${gateway.apiKey}` },
        body: JSON.stringify({ model: BYOK_MODEL, messages: [{ role: 'user', content: 'who pays?' }], max_tokens: 20 }),
      });
    const usageNow = async () =>
      (await (await fetch(`${gateway.dataPlane!.url}/v1/usage`, { headers: { authorization: `Bearer ${gateway.apiKey}` } })).json()) as UsageBody;
    await expect.poll(async () => (await usageNow()).balance.available_micros).toBe(0);
    expect((await ask()).status).toBe(402);

    await admin.byok.create.mutate({ orgId, provider: 'byokspend', key: 'sk-byok-key-for-the-spend-test' });
    await expect.poll(async () => (await ask()).status).toBe(200);
    expect(gateway.simulator.requests.at(-1)?.headers.authorization).toBe('Bearer sk-byok-key-for-the-spend-test');
    expect((await usageNow()).balance).toMatchObject({ available_micros: 0, in_flight_micros: 0 });
    await gateway.dataPlane!.flushUsage();
    expect((await admin.billing.balance.query({ orgId })).balanceMicros).toBe(0);
  });
});

interface UsageBody {
  daily: { limit_micros: number | null; used_micros: number; in_flight_micros: number; remaining_micros: number | null };
  balance: { credits_micros: number; spent_micros: number; in_flight_micros: number; available_micros: number };
}
