// Two control-plane replicas on one PostgreSQL (LISTEN/NOTIFY between them) and three data planes
// sharing spend counters in Redis, every one a process of its own as operators run them. A key created
// through replica A works on a data plane subscribed to replica B; killing B (SIGKILL) moves its data
// planes on to A (CONTROL_PLANE_URL lists both), where they keep receiving changes; and the usage
// shipped through either replica, before and after the kill, is stored exactly once.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAISimulator, type OpenAISimulator } from '../../simulators/openai/openai-simulator.ts';
import { PROCESS_START_MS } from '../support/eventually.ts';
import { SIMULATOR_MODEL } from '../support/gateway-harness.ts';
import { createTestDatabase, testEngines, type TestDatabase } from '../support/test-database.ts';
import { waitFor } from '../support/wait-for.ts';

const redisUrl = process.env.REDIS_URL;
if (!redisUrl) console.warn('control-plane-replicas.test.ts: REDIS_URL is not set, skipping the replicas-as-processes test');

interface PlaneProcess {
  url: string;
  child: ChildProcess;
  output(): string;
}

describe.skipIf(!redisUrl || !testEngines.includes('postgresql'))('two control-plane replicas and three data planes, as processes', () => {
  let database: TestDatabase;
  let simulator: OpenAISimulator;
  let db: pg.Client;
  const children: ChildProcess[] = [];
  let replicaA: PlaneProcess;
  let replicaB: PlaneProcess;
  /** Subscribed to A; to B; to B (each lists the other replica second). */
  let dataPlanes: PlaneProcess[];
  let adminToken: string;
  let devKey: string;
  let orgId: string;
  const keyPrefix = `test:replicas:${randomUUID()}:`;
  /** x-request-id of every request answered 200, whichever data plane answered it. */
  const answered: string[] = [];

  /** Starts a plane on port 0 (the kernel picks a free one) and waits until it says where it listens and is healthy. */
  async function spawnPlane(entry: string, env: Record<string, string>): Promise<PlaneProcess> {
    const child = spawn(process.execPath, ['--import', 'tsx', entry], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(child);
    let output = '';
    child.stdout!.on('data', (data: Buffer) => (output += data.toString()));
    const url = await waitFor(() => /listening on (http:\/\/[^\s"]+)/.exec(output)?.[1], {
      timeoutMs: PROCESS_START_MS,
      what: `${entry} to say where it listens`,
    });
    const plane: PlaneProcess = { url, child, output: () => output };
    return waitFor(
      () =>
        fetch(`${plane.url}/healthz`).then(
          (response) => (response.ok ? plane : undefined),
          () => undefined,
        ),
      { timeoutMs: PROCESS_START_MS, what: `${entry} at ${url} to become healthy` },
    );
  }

  function startControlPlane(): Promise<PlaneProcess> {
    // Both replicas share the data folder: the signing key, and the tokens the first one seeded.
    return spawnPlane('control-plane/src/main.ts', {
      CONTROL_PLANE_PORT: '0',
      GATEWAY_DATA_DIR: database.dataDir,
      DATABASE_URL: database.databaseUrl!,
      SIMULATOR_BASE_URL: simulator.baseUrl,
      ALLOW_PRIVATE_UPSTREAMS: 'true',
    });
  }

  function startDataPlane(index: number, controlPlanes: PlaneProcess[]): Promise<PlaneProcess> {
    return spawnPlane('data-plane/src/main.ts', {
      DATA_PLANE_PORT: '0',
      CONTROL_PLANE_URL: controlPlanes.map((plane) => plane.url).join(','),
      DATA_PLANE_TOKEN_FILE: join(database.dataDir, 'data-plane-token'),
      SNAPSHOT_PUBLIC_KEY_FILE: join(database.dataDir, 'keys', 'snapshot-signing.public.jwk'),
      DATA_PLANE_STATE_DIR: join(database.dataDir, `data-plane-${index}`),
      REDIS_URL: redisUrl!,
      SPEND_KEY_PREFIX: keyPrefix,
      USAGE_FLUSH_INTERVAL_MS: '20',
      // The drain after the kill should not wait out a long backoff.
      USAGE_SHIP_MAX_BACKOFF_MS: '1000',
      ALLOW_PRIVATE_UPSTREAMS: 'true',
      // One serving thread each: this is about replicas; three data planes of a thread per CPU would only
      // load the machine (worker threads: data-plane-sigkill and worker-pool tests).
      DATA_PLANE_WORKERS: '1',
    });
  }

  beforeAll(async () => {
    database = await createTestDatabase('postgresql');
    simulator = await startOpenAISimulator();
    replicaA = await startControlPlane();
    replicaB = await startControlPlane();
    adminToken = (await readFile(join(database.dataDir, 'admin-token'), 'utf8')).trim();
    devKey = (await readFile(join(database.dataDir, 'dev-key'), 'utf8')).trim();
    db = new pg.Client({ connectionString: database.databaseUrl });
    await db.connect();
    orgId = (await db.query<{ id: string }>(`SELECT id FROM organizations WHERE name = 'Dev Org'`)).rows[0]!.id;
    dataPlanes = await Promise.all([startDataPlane(0, [replicaA, replicaB]), startDataPlane(1, [replicaB, replicaA]), startDataPlane(2, [replicaB, replicaA])]);
  });

  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await db?.end();
    await simulator?.close();
    await database?.drop();
    if (redisUrl) {
      const redis = new Redis(redisUrl);
      const keys = await redis.keys(`${keyPrefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    }
  });

  async function graphql<T>(replica: PlaneProcess, query: string, variables: Record<string, unknown>): Promise<T> {
    const response = await fetch(`${replica.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
      body: JSON.stringify({ query, variables }),
    });
    const result = (await response.json()) as { data?: T; errors?: Array<{ message: string }> };
    if (result.errors?.length) throw new Error(`GraphQL: ${result.errors.map((error) => error.message).join('; ')}`);
    return result.data as T;
  }

  function createKey(replica: PlaneProcess, name: string): Promise<{ key: string; id: string }> {
    return graphql<{ createApiKey: { key: string; apiKey: { id: string } } }>(
      replica,
      'mutation ($orgId: ID!, $name: String!) { createApiKey(orgId: $orgId, name: $name) { key apiKey { id } } }',
      { orgId, name },
    ).then(({ createApiKey }) => ({ key: createApiKey.key, id: createApiKey.apiKey.id }));
  }

  /** One chat completion; its status, and the request id of a 200 is remembered for the usage check. */
  async function ask(dataPlane: PlaneProcess, apiKey: string): Promise<number> {
    const response = await fetch(`${dataPlane.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
      body: JSON.stringify({ model: SIMULATOR_MODEL, messages: [{ role: 'user', content: 'which replica?' }] }),
    });
    await response.arrayBuffer();
    if (response.status === 200) answered.push(response.headers.get('x-request-id')!);
    return response.status;
  }

  function subscribedTo(dataPlane: PlaneProcess): string | undefined {
    return [...dataPlane.output().matchAll(/subscribing to snapshots at ([^\s"]+)/g)].at(-1)?.[1];
  }

  it('a key created through replica A works on a data plane subscribed to replica B', async () => {
    expect(dataPlanes.map(subscribedTo)).toEqual([replicaA.url, replicaB.url, replicaB.url]);
    const created = await createKey(replicaA, 'made-on-a');
    await expect.poll(() => ask(dataPlanes[1]!, created.key)).toBe(200);
    await expect.poll(() => ask(dataPlanes[2]!, created.key)).toBe(200);
    for (const dataPlane of dataPlanes) expect(await ask(dataPlane, devKey)).toBe(200);
  });

  it('killing replica B moves its data planes on to A, where they keep receiving changes', async () => {
    // Traffic right up to the kill, so some of B's data planes' usage is still unshipped when B dies.
    for (const dataPlane of dataPlanes) expect(await ask(dataPlane, devKey)).toBe(200);
    const exited = new Promise((resolve) => replicaB.child.once('exit', resolve));
    replicaB.child.kill('SIGKILL');
    await exited;
    for (const dataPlane of dataPlanes) expect(await ask(dataPlane, devKey)).toBe(200);

    await expect.poll(() => dataPlanes.map(subscribedTo)).toEqual([replicaA.url, replicaA.url, replicaA.url]);
    const created = await createKey(replicaA, 'made-after-the-kill');
    for (const dataPlane of dataPlanes) await expect.poll(() => ask(dataPlane, created.key)).toBe(200);
    await graphql(replicaA, 'mutation ($id: ID!) { revokeApiKey(id: $id) { id } }', { id: created.id });
    for (const dataPlane of dataPlanes) await expect.poll(() => ask(dataPlane, created.key)).toBe(401);
  });

  it('the usage shipped through either replica is stored exactly once, with one ledger debit each', async () => {
    const counts = async () =>
      (
        await db.query<{ request_id: string; rows: string }>(
          'SELECT request_id, count(*) AS rows FROM usage_records WHERE request_id = ANY($1) GROUP BY request_id',
          [answered],
        )
      ).rows;
    await expect.poll(async () => (await counts()).length).toBe(answered.length);
    expect((await counts()).every((row) => row.rows === '1')).toBe(true);
    const all = await db.query<{ rows: string }>('SELECT count(*) AS rows FROM usage_records');
    expect(Number(all.rows[0]!.rows)).toBe(answered.length);
    const debits = await db.query<{ rows: string }>(`SELECT count(*) AS rows FROM ledger_entries WHERE kind = 'usage' AND usage_request_id = ANY($1)`, [
      answered,
    ]);
    expect(Number(debits.rows[0]!.rows)).toBe(answered.length);
  });
});
