// Configuration changes at scale through the real planes: the control plane's CLI on a fresh PostgreSQL
// database holding `orgs` organizations and `keys` API keys (inserted with SQL, then compiled whole by a
// restart), and three data-plane CLIs subscribed to it. Each of `revocations` keys is revoked through the
// admin API, one after the other; a revocation has reached a data plane when it refuses the key (GET
// /v1/models answers 401, polled every 2 ms), and its propagation time is the slowest of the three.
// The control plane's own cost of each change (rows read, ms) is read from its log.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { latencyLadder, type LatencyLadder } from './latency-stats.ts';
import { startPinned, type PinnedProcess } from './pinned-process.ts';
import { sampleUsage } from './process-usage.ts';
import { measureUsageIngest, type UsageIngestResult } from './measure-usage-ingest.ts';
import { REPOSITORY_ROOT } from './targets.ts';

export interface PropagationResult {
  keys: number;
  orgs: number;
  dataPlanes: number;
  revocations: number;
  /** The control plane's whole compile at start, from its log. */
  fullCompileMs: number | null;
  /** Time from the revoke call until every data plane refused the key, in microseconds. */
  propagation: LatencyLadder;
  /** Of that, the revoke call's own answer (the control plane's admin API), in microseconds. */
  revokeCall: LatencyLadder;
  /** Per change, from the control plane's log: the most rows one read, and the time each took (µs). */
  maxRowsRead: number;
  changeMicros: LatencyLadder;
  /** Changes that used to compile the whole state (issue 12, item 3), each with what the control plane logged it read and the ms it took. */
  targetedChanges: Array<{ change: string; compiled: string }>;
  /** CPU the three data planes used during the revocations, per revocation (their share of the 2 ms polling included). */
  dataPlaneCpuMsPerRevocation: number;
  /** Afterwards, usage ingest into the same control plane and database. */
  ingest: UsageIngestResult;
}

/** Models in the bench's catalog (the scale: 1k models). */
const CATALOG_MODELS = 1_000;

const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

function tsx(name: string, cpu: number, script: string, env: NodeJS.ProcessEnv): PinnedProcess {
  return startPinned({ name, cpu, command: process.execPath, args: ['--import', 'tsx', script], env, cwd: REPOSITORY_ROOT });
}

export async function measurePropagation(options: {
  databaseUrl: string;
  keys: number;
  orgs: number;
  revocations: number;
  dataPlaneCpu: number;
  controlPlaneCpu: number;
  log: (line: string) => void;
}): Promise<PropagationResult> {
  const { keys, orgs, revocations, log } = options;
  const name = `gw_bench_propagation_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: options.databaseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(options.databaseUrl);
  url.pathname = `/${name}`;
  const directory = await mkdtemp(join(tmpdir(), 'bench-propagation-'));
  const processes: PinnedProcess[] = [];
  const db = new pg.Client({ connectionString: url.toString() });
  try {
    // Its compile lines ("snapshot version N (…, X ms)") are logged at debug; the seeded provider's address is private.
    const controlPlaneEnv = {
      ...process.env,
      CONTROL_PLANE_PORT: '0',
      GATEWAY_DATA_DIR: directory,
      DATABASE_URL: url.toString(),
      LOG_LEVEL: 'debug',
      ALLOW_PRIVATE_UPSTREAMS: 'true',
    };
    const startControlPlane = async () => {
      const controlPlane = tsx('control plane', options.controlPlaneCpu, 'control-plane/src/main.ts', controlPlaneEnv);
      processes.push(controlPlane);
      const line = await controlPlane.waitForLine(/control plane listening on /, 600_000);
      return { process: controlPlane, url: /listening on (http:\/\/[^\s"]+)/.exec(line)![1]! };
    };
    let controlPlane = await startControlPlane();
    await db.connect();
    // The seeded admin owns every organization, so its token may revoke their keys.
    const userId = (await db.query<{ user_id: string }>('SELECT user_id FROM admin_tokens LIMIT 1')).rows[0]!.user_id;
    await db.query(`INSERT INTO organizations (id, name) SELECT 'bench-org-' || g, 'Bench org ' || g FROM generate_series(1, $1::int) g`, [orgs]);
    await db.query(`INSERT INTO memberships (org_id, user_id, role) SELECT 'bench-org-' || g, $2, 'owner' FROM generate_series(1, $1::int) g`, [orgs, userId]);
    await db.query(
      `INSERT INTO api_keys (id, org_id, user_id, name, key_hash, prefix, last4)
       SELECT 'bench-key-' || g, 'bench-org-' || (1 + g % $2::int), $3, 'bench key ' || g, encode(sha256(('sk-bench-' || g)::bytea), 'hex'), 'sk-bench', right('sk-bench-' || g, 4)
       FROM generate_series(1, $1::int) g`,
      [keys, orgs, userId],
    );
    // A member of one org with a daily limit and two keys, removed after the revocations (a targeted change).
    await db.query(`INSERT INTO users (id, email) VALUES ('bench-leaver', 'leaver@bench.example')`);
    await db.query(`INSERT INTO memberships (org_id, user_id, role, daily_limit_micros) VALUES ('bench-org-1', 'bench-leaver', 'member', 5000000)`);
    await db.query(
      `INSERT INTO api_keys (id, org_id, user_id, name, key_hash, prefix, last4)
       SELECT 'bench-leaver-key-' || g, 'bench-org-1', 'bench-leaver', 'leaver key ' || g, encode(sha256(('sk-leaver-' || g)::bytea), 'hex'), 'sk-leave', right('sk-leaver-' || g, 4)
       FROM generate_series(1, 2) g`,
    );
    // A catalog of CATALOG_MODELS models on the seeded provider, for the catalog changes measured below.
    await db.query(`INSERT INTO models (id, name) SELECT 'simulator/bench-model-' || g, 'Bench model ' || g FROM generate_series(1, $1::int) g`, [
      CATALOG_MODELS,
    ]);
    await db.query(
      `INSERT INTO model_endpoints (id, model_id, provider_id, upstream_model, prompt_price_nanos, completion_price_nanos)
       SELECT gen_random_uuid()::text, 'simulator/bench-model-' || g, (SELECT id FROM providers WHERE slug = 'simulator'), 'echo', 100, 200
       FROM generate_series(1, $1::int) g`,
      [CATALOG_MODELS],
    );
    log(`  inserted ${orgs} organizations, ${keys} keys and ${CATALOG_MODELS} models; restarting the control plane to compile them`);
    await controlPlane.process.stop();
    controlPlane = await startControlPlane();
    const compileLine = controlPlane.process
      .output()
      .split('\n')
      .find((line) => /snapshot version \d+ \(\d+ keys/.test(line));
    const fullCompileMs = Number(/, ([\d.]+) ms\)/.exec(compileLine ?? '')?.[1] ?? Number.NaN);

    const adminToken = (await readFile(join(directory, 'admin-token'), 'utf8')).trim();
    const dataPlanes: Array<{ process: PinnedProcess; url: string }> = [];
    for (let index = 0; index < 3; index++) {
      const dataPlane = tsx(`data plane ${index}`, options.dataPlaneCpu, 'data-plane/src/main.ts', {
        ...process.env,
        DATA_PLANE_PORT: '0',
        CONTROL_PLANE_URL: controlPlane.url,
        DATA_PLANE_TOKEN_FILE: join(directory, 'data-plane-token'),
        SNAPSHOT_PUBLIC_KEY_FILE: join(directory, 'keys', 'snapshot-signing.public.jwk'),
        DATA_PLANE_STATE_DIR: join(directory, `data-plane-${index}`),
        // Every revocation ends in one 401 from this harness's address, a failed authentication: past the
        // default 30 a minute the address is refused (429) until its allowance refills, one every 2 s, and
        // the poll would time that refill instead of the revocation.
        IP_AUTH_FAILURES_PER_MINUTE: '0',
      });
      processes.push(dataPlane);
      const line = await dataPlane.waitForLine(/data plane listening on /, 120_000);
      dataPlanes.push({ process: dataPlane, url: /listening on (http:\/\/[^\s"]+)/.exec(line)![1]! });
    }
    const status = (dataPlane: { url: string }, secret: string) =>
      fetch(`${dataPlane.url}/v1/models`, { headers: { authorization: `Bearer ${secret}` } }).then(async (response) => {
        await response.arrayBuffer();
        return response.status;
      });
    // Every data plane serves the compiled keys before the first revocation.
    for (const dataPlane of dataPlanes) while ((await status(dataPlane, `sk-bench-${keys}`).catch(() => 0)) !== 200) await sleep(100);
    log(`  ${dataPlanes.length} data planes serve ${keys} keys`);

    const logBefore = controlPlane.process.output().length;
    const cpuBefore = dataPlanes.map((dataPlane) => sampleUsage(dataPlane.process.pid));
    const propagationMicros: number[] = [];
    const revokeCallMicros: number[] = [];
    for (let index = 1; index <= revocations; index++) {
      const keyNumber = Math.round((index * keys) / (revocations + 1));
      const secret = `sk-bench-${keyNumber}`;
      const startedNs = process.hrtime.bigint();
      const response = await fetch(`${controlPlane.url}/trpc/apiKeys.revoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
        body: JSON.stringify({ id: `bench-key-${keyNumber}` }),
      });
      if (!response.ok) throw new Error(`revoke failed: ${response.status} ${await response.text()}`);
      revokeCallMicros.push(Number(process.hrtime.bigint() - startedNs) / 1000);
      await Promise.all(
        dataPlanes.map(async (dataPlane) => {
          for (;;) {
            const answer = await status(dataPlane, secret);
            if (answer === 401) break;
            if (answer !== 200) throw new Error(`a data plane answered ${answer} while the bench waited for a revoked key's 401`);
            await sleep(2);
          }
        }),
      );
      propagationMicros.push(Number(process.hrtime.bigint() - startedNs) / 1000);
    }
    const cpuAfter = dataPlanes.map((dataPlane) => sampleUsage(dataPlane.process.pid));
    // A revocation that reaches a data plane as a rejected delta costs it a full snapshot: say so.
    for (const [index, dataPlane] of dataPlanes.entries()) {
      const rejected = dataPlane.process
        .output()
        .split('\n')
        .filter((line) => line.includes('rejected'));
      if (rejected.length > 0) log(`  data plane ${index}: ${rejected.length} messages rejected, the last: ${rejected.at(-1)!.slice(0, 400)}`);
    }
    const targetedChanges: PropagationResult['targetedChanges'] = [];
    const call = async (procedure: string, input: unknown) => {
      const response = await fetch(`${controlPlane.url}/trpc/${procedure}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
        body: JSON.stringify(input),
      });
      if (!response.ok) throw new Error(`${procedure} failed: ${response.status} ${await response.text()}`);
      return ((await response.json()) as { result: { data: unknown } }).result.data;
    };
    /** Runs a change and waits for the control plane's next compile line. */
    const measureChange = async (change: string, run: () => Promise<unknown>) => {
      const before = controlPlane.process.output().length;
      const result = await run();
      for (;;) {
        const compiled = /snapshot version \d+ \(([^)]*)\)/.exec(controlPlane.process.output().slice(before));
        if (compiled) {
          targetedChanges.push({ change, compiled: compiled[1]! });
          log(`  ${change}: ${compiled[1]}`);
          return result;
        }
        await sleep(20);
      }
    };
    await measureChange('member removed (2 keys, a daily limit)', () => call('members.remove', { orgId: 'bench-org-1', userId: 'bench-leaver' }));
    const providerSlug = (await db.query<{ slug: string }>('SELECT slug FROM providers WHERE enabled LIMIT 1')).rows[0]!.slug;
    const credential = (await measureChange('BYOK key created', () =>
      call('byok.create', { orgId: 'bench-org-2', provider: providerSlug, key: 'sk-bench-byok-key-1234' }),
    )) as { id: string };
    await measureChange('BYOK key deleted', () => call('byok.delete', { id: credential.id }));
    const prices = { prompt: 150, completion: 250, cacheRead: null, cacheWrite: null };
    await measureChange('model price changed', () => call('catalog.overrideModelPrices', { id: 'simulator/bench-model-1', providerSlug: 'simulator', prices }));
    await measureChange('model disabled', () => call('catalog.setModelEnabled', { id: 'simulator/bench-model-2', enabled: false }));
    await measureChange('model created', () =>
      call('catalog.upsertModel', { id: 'simulator/bench-model-new', name: 'New', endpoint: { providerSlug: 'simulator', upstreamModel: 'echo', prices } }),
    );
    const simulator = (await db.query<{ base_url: string }>(`SELECT base_url FROM providers WHERE slug = 'simulator'`)).rows[0]!;
    await measureChange('provider changed (its key variable)', () =>
      call('catalog.upsertProvider', { slug: 'simulator', baseUrl: simulator.base_url, apiKeyEnv: 'BENCH_PROVIDER_API_KEY' }),
    );
    const changeLines = [
      ...controlPlane.process
        .output()
        .slice(logBefore)
        .matchAll(/\((\d+) key and (\d+) organization rows read, ([\d.]+) ms\)/g),
    ];
    const propagation = latencyLadder(propagationMicros);
    const revokeCall = latencyLadder(revokeCallMicros);
    log(
      `  propagation p50 ${propagation.p50.toFixed(0)} µs, p99 ${propagation.p99.toFixed(0)} µs, max ${propagation.max.toFixed(0)} µs; of which the revoke call p50 ${revokeCall.p50.toFixed(0)} µs, p99 ${revokeCall.p99.toFixed(0)} µs`,
    );
    for (const dataPlane of dataPlanes) await dataPlane.process.stop();
    log('  usage ingest:');
    const ingest = await measureUsageIngest({
      controlPlaneUrl: controlPlane.url,
      dataPlaneToken: (await readFile(join(directory, 'data-plane-token'), 'utf8')).trim(),
      keys,
      orgs,
      userId,
      providerId: (await db.query<{ id: string }>('SELECT id FROM providers LIMIT 1')).rows[0]!.id,
      senders: 4,
      batchSize: 500,
      durationMs: 20_000,
    });
    log(`  ${ingest.rowsPerSecond.toFixed(0)} rows/s`);
    const cpuSeconds = cpuAfter.reduce((sum, sample, index) => sum + sample.cpuSeconds - cpuBefore[index]!.cpuSeconds, 0);
    return {
      keys,
      orgs,
      dataPlanes: dataPlanes.length,
      revocations,
      fullCompileMs,
      propagation,
      revokeCall,
      maxRowsRead: Math.max(...changeLines.map((match) => Number(match[1]) + Number(match[2]))),
      changeMicros: latencyLadder(changeLines.map((match) => Number(match[3]) * 1000)),
      targetedChanges,
      dataPlaneCpuMsPerRevocation: (cpuSeconds * 1000) / revocations,
      ingest,
    };
  } finally {
    for (const child of processes.reverse()) await child.stop();
    await db.end().catch(() => {});
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
    await rm(directory, { recursive: true, force: true });
  }
}
