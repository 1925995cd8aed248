// What the limit tests share: a catalog model whose every request costs exactly what it reserves, and a
// control plane with three data planes sharing Redis, so a burst shows a limit holding across replicas.
import type { Prisma } from '../../control-plane/generated/prisma/client.ts';
import type { DataPlane } from '../../data-plane/src/start-data-plane.ts';
import { addCatalogModel } from './add-catalog-model.ts';
import { trpcAs } from './control-plane-on-pglite.ts';
import { startGateway, type Gateway } from './gateway-harness.ts';
import { startRedisReplicas, type RedisReplicas } from './redis-replicas.ts';
import type { TestEngine } from './test-database.ts';

/**
 * The prompt is free and the simulator answers exactly `maxTokens` words (it counts words as tokens) at
 * 10 µ$ a completion token, so a request with `max_tokens: maxTokens` costs and reserves 100 µ$.
 */
export const FIXED_COST = { maxTokens: 10, completionNanos: 10_000, costMicros: 100 } as const;

/** Adds `<slug>/fixed` on the gateway's simulator at the fixed cost; returns the model id. */
export async function addFixedCostModel(gateway: Gateway, slug: string): Promise<string> {
  const model = `${slug}/fixed`;
  await addCatalogModel(
    gateway,
    { slug, baseUrl: gateway.simulator.baseUrl, apiKeyEnv: null },
    {
      id: model,
      name: 'Fixed-cost simulator',
      endpoint: { providerSlug: slug, upstreamModel: 'fixed', prices: { prompt: 0, completion: FIXED_COST.completionNanos } },
    },
  );
  gateway.simulator.scenario = () => ({ reply: Array.from({ length: FIXED_COST.maxTokens }, (_, index) => `w${index}`).join(' ') });
  return model;
}

export interface LimitCluster {
  gateway: Gateway;
  admin: ReturnType<typeof trpcAs>;
  replicas: DataPlane[];
  model: string;
  /** The seeded org and member the gateway's dev key belongs to. */
  orgId: string;
  userId: string;
  /** What `GET /v1/usage` tells `key` on `replica` (limits, budgets, spend). */
  usageOf<Body>(replica: DataPlane, key: string): Promise<Body>;
  /** `count` concurrent fixed-cost requests with `key`, spread over the replicas: how many got each status. */
  burst(key: string, count: number, check?: (status: number, body: { error?: { code: string } }) => void): Promise<Record<number, number>>;
  /** Ships every replica's usage, then the fixed-cost model's stored rows matching `where` and their cost. */
  storedSpend(where: Prisma.UsageRecordWhereInput): Promise<{ rows: number; costMicros: number }>;
  /** Deletes the cluster's Redis keys; how many there were. */
  flushRedis(): Promise<number>;
  close(): Promise<void>;
}

export async function startLimitCluster(engine: TestEngine, options: { slug: string; redisUrl: string; keyPrefix: string }): Promise<LimitCluster> {
  const gateway = await startGateway(engine);
  let cluster: RedisReplicas | undefined;
  try {
    const controlPlane = gateway.controlPlane!;
    const model = await addFixedCostModel(gateway, options.slug);
    const { orgId, userId } = await controlPlane.prisma.apiKey.findFirstOrThrow({ where: { name: 'dev' } });
    cluster = await startRedisReplicas(controlPlane, options);
    const replicas = cluster.dataPlanes;
    const { flushRedis, close } = cluster;
    return {
      gateway,
      admin: trpcAs(controlPlane, controlPlane.adminToken),
      replicas,
      model,
      orgId,
      userId,
      async usageOf<Body>(replica: DataPlane, key: string) {
        return (await (await fetch(`${replica.url}/v1/usage`, { headers: { authorization: `Bearer ${key}` } })).json()) as Body;
      },
      async burst(key, count, check) {
        const statuses = await Promise.all(
          Array.from({ length: count }, async (_, index) => {
            const replica = replicas[index % replicas.length] as DataPlane;
            const response = await fetch(`${replica.url}/v1/chat/completions`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
              body: JSON.stringify({ model, messages: [{ role: 'user', content: `request ${index}` }], max_tokens: FIXED_COST.maxTokens }),
            });
            check?.(response.status, (await response.json()) as { error?: { code: string } });
            return response.status;
          }),
        );
        const counts: Record<number, number> = {};
        for (const status of statuses) counts[status] = (counts[status] ?? 0) + 1;
        return counts;
      },
      flushRedis,
      async storedSpend(where) {
        await Promise.all(replicas.map((replica) => replica.flushUsage()));
        const rows = await controlPlane.prisma.usageRecord.findMany({ where: { ...where, requestedModel: model }, select: { costMicros: true } });
        return { rows: rows.length, costMicros: rows.reduce((sum, row) => sum + Number(row.costMicros), 0) };
      },
      async close() {
        await close();
        await gateway.close();
      },
    };
  } catch (error) {
    await cluster?.close();
    await gateway.close();
    throw error;
  }
}
