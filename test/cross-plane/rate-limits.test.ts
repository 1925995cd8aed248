// Rate limits are shared across replicas: three data planes keep their GCRA cells in one Redis behind one
// control plane, and a burst with one key against the org policy's per-key default of 20 requests a minute
// is admitted 20 times (plus what the minute refilled while the burst ran), whichever replica each request
// reaches. Every answer carries the x-ratelimit-* headers; a refusal is 429 rate_limit_exceeded. Tokens per
// minute charged at admission on one replica are corrected in Redis at settle, for every replica.
import { randomUUID } from 'node:crypto';
import { createTRPCClient, httpLink } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppRouter } from '../../control-plane/src/trpc/routers/_app.ts';
import type { DataPlane } from '../../data-plane/src/start-data-plane.ts';
import { addCatalogModel } from '../support/add-catalog-model.ts';
import { startGateway, type Gateway } from '../support/gateway-harness.ts';
import { testEngines } from '../support/test-database.ts';
import { startRedisReplicas, type RedisReplicas } from '../support/redis-replicas.ts';

const redisUrl = process.env.REDIS_URL;
if (!redisUrl) console.warn('rate-limits.test.ts: REDIS_URL is not set, skipping the three-replica rate limit test');

const MODEL = 'ratesim/echo';
const KEY_RPM = 20;
const REQUESTS = 150;

describe.skipIf(!redisUrl).each(testEngines.slice(0, 1))('rate limits on three data planes sharing Redis (%s)', (engine) => {
  let gateway: Gateway;
  let replicas: DataPlane[] = [];
  let cluster: RedisReplicas | undefined;
  const keyPrefix = `test:rate:${randomUUID()}:`;

  beforeAll(async () => {
    gateway = await startGateway(engine);
    await addCatalogModel(
      gateway,
      { slug: 'ratesim', baseUrl: gateway.simulator.baseUrl, apiKeyEnv: null },
      { id: MODEL, name: 'Rate limit simulator', endpoint: { providerSlug: 'ratesim', upstreamModel: 'echo', prices: { prompt: 0, completion: 0 } } },
    );
    cluster = await startRedisReplicas(gateway.controlPlane!, { redisUrl: redisUrl as string, keyPrefix });
    replicas = cluster.dataPlanes;
  });

  afterAll(async () => {
    await cluster?.close();
    await gateway?.close();
  });

  const ask = (replica: DataPlane, index: number) =>
    fetch(`${replica.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${gateway.apiKey}` },
      body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: `request ${index}` }], max_tokens: 5 }),
    });

  it(`the per-key default of ${KEY_RPM} requests a minute holds across the replicas`, async () => {
    const controlPlane = gateway.controlPlane!;
    const admin = createTRPCClient<AppRouter>({
      links: [httpLink({ url: `${controlPlane.url}/trpc`, headers: { authorization: `Bearer ${controlPlane.adminToken}` } })],
    });
    const { orgId } = await controlPlane.prisma.apiKey.findFirstOrThrow({ where: { name: 'dev' } });
    const policy = await admin.policies.update.mutate({ orgId, keyRpmLimit: KEY_RPM });
    expect(policy).toMatchObject({ keyRpmLimit: KEY_RPM, keyTpmLimit: null, orgRpmLimit: null });
    // The first request on each replica once it enforces the limit (its answer carries the headers).
    for (const [index, replica] of replicas.entries()) {
      await expect.poll(async () => (await ask(replica, index)).headers.get('x-ratelimit-limit-requests')).toBe(String(KEY_RPM));
    }

    const started = Date.now();
    const answers = await Promise.all(
      Array.from({ length: REQUESTS }, async (_, index) => {
        const response = await ask(replicas[index % replicas.length] as DataPlane, index);
        const body = (await response.json()) as { error?: { code: string } };
        expect(response.headers.get('x-ratelimit-limit-requests')).toBe(String(KEY_RPM));
        expect(response.headers.get('x-ratelimit-remaining-requests')).toMatch(/^\d+$/);
        if (response.status === 429) {
          expect(body.error?.code).toBe('rate_limit_exceeded');
          expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
        }
        return response.status;
      }),
    );
    const elapsedMs = Date.now() - started;
    const served = answers.filter((status) => status === 200).length;
    expect(answers.filter((status) => status !== 200 && status !== 429)).toEqual([]);
    // The three warm-up requests took 3 of the minute's 20; the cells refill one request every 3 s.
    const refilled = Math.floor((elapsedMs * KEY_RPM) / 60_000) + 1;
    expect(served).toBeGreaterThanOrEqual(KEY_RPM - replicas.length);
    expect(served).toBeLessThanOrEqual(KEY_RPM - replicas.length + refilled);
  });

  it("a key's tokens per minute are charged at admission on one replica and corrected at settle for the others", async () => {
    const controlPlane = gateway.controlPlane!;
    const admin = createTRPCClient<AppRouter>({
      links: [httpLink({ url: `${controlPlane.url}/trpc`, headers: { authorization: `Bearer ${controlPlane.adminToken}` } })],
    });
    const { orgId, userId } = await controlPlane.prisma.apiKey.findFirstOrThrow({ where: { name: 'dev' } });
    await admin.policies.update.mutate({ orgId, keyRpmLimit: null });
    const { key } = await admin.apiKeys.create.mutate({ orgId, userId, name: 'tpm', rateLimits: { tpm: 1_000 } });
    // /v1/usage knows the key once the replica has the snapshot carrying its limit, and charges no tokens.
    for (const replica of replicas) {
      await expect.poll(async () => (await fetch(`${replica.url}/v1/usage`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
    }
    const chat = (replica: DataPlane, maxTokens: number) =>
      fetch(`${replica.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'count my tokens' }], max_tokens: maxTokens }),
      });
    // max_tokens past the minute's 1000 tokens: admitted as the whole minute, so nothing is left at admission.
    const big = await chat(replicas[0]!, 50_000);
    expect(big.status).toBe(200);
    expect([big.headers.get('x-ratelimit-limit-tokens'), big.headers.get('x-ratelimit-remaining-tokens')]).toEqual(['1000', '0']);
    const { usage } = (await big.json()) as { usage: { total_tokens: number } };
    // Settled at its few dozen actual tokens in Redis: another replica soon admits a request with most of
    // the minute left (the refill alone would give back about 17 tokens a second).
    let next: Response | undefined;
    await expect
      .poll(
        async () => {
          next = await chat(replicas[1]!, 5);
          return next.status;
        },
        { timeout: 10_000 },
      )
      .toBe(200);
    expect(Number(next!.headers.get('x-ratelimit-remaining-tokens'))).toBeGreaterThan(1_000 - usage.total_tokens - 200);
  });
});
