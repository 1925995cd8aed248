// Three data planes on one control plane sharing Redis under one key prefix: how the limit tests show
// that a limit holds across replicas. Each replica keeps its own state directory.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { ControlPlane } from '../../control-plane/src/app.ts';
import { startDataPlane, type DataPlane } from '../../data-plane/src/start-data-plane.ts';
import { silentLogger } from '../../shared/src/logger.ts';

export interface RedisReplicas {
  dataPlanes: DataPlane[];
  /** Deletes the prefix's Redis keys (what a flushed Redis leaves); how many there were. */
  flushRedis(): Promise<number>;
  /** Stops the replicas, removes their state and deletes the prefix's Redis keys. */
  close(): Promise<void>;
}

/** Starts the replicas and waits until each has the control plane's snapshot. */
export async function startRedisReplicas(controlPlane: ControlPlane, redis: { redisUrl: string; keyPrefix: string }, count = 3): Promise<RedisReplicas> {
  const stateRoot = await mkdtemp(join(tmpdir(), 'redis-replicas-'));
  const dataPlanes = await Promise.all(
    Array.from({ length: count }, (_, index) =>
      startDataPlane({
        port: 0,
        controlPlaneUrl: controlPlane.url,
        dataPlaneToken: controlPlane.dataPlaneToken,
        snapshotPublicJwk: controlPlane.publicJwk,
        stateDir: join(stateRoot, `replica-${index}`),
        // A thousand requests through three data planes in this one process can hold its event loop past
        // Redis's 5 s command timeout on a loaded machine, and a reply read after its timer fired counts
        // as a timeout (a 503): that measures the machine, not the limits these replicas are for.
        spend: { ...redis, commandTimeoutMs: 60_000 },
        allowPrivateUpstreams: true,
        logger: silentLogger,
      }),
    ),
  );
  await Promise.all(dataPlanes.map((dataPlane) => dataPlane.waitForSnapshot()));
  async function flushRedis(): Promise<number> {
    const client = new Redis(redis.redisUrl);
    try {
      const keys = await client.keys(`${redis.keyPrefix}*`);
      if (keys.length > 0) await client.del(...keys);
      return keys.length;
    } finally {
      client.disconnect();
    }
  }
  return {
    dataPlanes,
    flushRedis,
    async close() {
      await Promise.all(dataPlanes.map((dataPlane) => dataPlane.close()));
      await rm(stateRoot, { recursive: true, force: true });
      await flushRedis();
    },
  };
}
