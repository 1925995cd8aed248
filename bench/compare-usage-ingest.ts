// The control plane's CPU per ingested usage event, two checkouts side by side (issue 19 item 6, issue 12
// item 7). Each round starts a checkout's control plane CLI on a fresh database (PGlite in a temporary
// data folder, or a new PostgreSQL database on BENCH_DATABASE_URL's server), holds a data plane's
// snapshot subscription open, and sends what a data plane at `rate` requests/s would ship: a batch of
// rate × interval new events for the seeded dev org, user and key every interval. The CPU is the control
// plane process's (every thread: PGlite runs inside it), from the first batch until its spend floors are
// read and published, divided by the events stored; its idle CPU over as long is reported beside it.
//
//   node --import tsx bench/compare-usage-ingest.ts --base=<checkout> [--database=pglite|postgres|both]
//        [--rounds=2] [--batches=15] [--rate=200] [--interval-ms=1000] [--prof-dir=<dir>]
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import type { UsageEvent } from '../shared/src/usage-event.ts';
import { freePort } from '../test/support/free-port.ts';
import { usageEvent } from '../test/support/usage-event.ts';
import { startPinned } from './pinned-process.ts';
import { cpuNanoseconds } from './process-usage.ts';

type Database = 'pglite' | 'postgres';

const argument = (name: string): string | undefined => process.argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
const base = argument('base');
const trees = [...(base ? [{ side: 'a (base)', root: resolve(base) }] : []), { side: base ? 'b (this)' : 'this', root: process.cwd() }];
const databaseArgument = argument('database') ?? 'both';
const databases: Database[] = databaseArgument === 'both' ? ['pglite', 'postgres'] : [databaseArgument as Database];
const rounds = Number(argument('rounds') ?? 2);
const batches = Number(argument('batches') ?? 15);
const rate = Number(argument('rate') ?? 200);
const intervalMs = Number(argument('interval-ms') ?? 1000);
const batchSize = Math.max(1, Math.round((rate * intervalMs) / 1000));
const profDir = argument('prof-dir');
const postgresServer = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

interface RoundResult {
  events: number;
  /** The control plane process's. */
  cpuMs: number;
  /** The PostgreSQL server's backends' for this database (0 on PGlite). */
  serverCpuMs: number;
  idleCpuMs: number;
  microsPerEvent: number;
  serverMicrosPerEvent: number;
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

async function graphql<T>(url: string, token: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown };
  if (!body.data) throw new Error(`graphql: ${JSON.stringify(body.errors)}`);
  return body.data;
}

/** Measures the CPU of the PostgreSQL backends serving one database from start() to stop(). */
interface ServerCpu {
  start(): Promise<void>;
  /** Milliseconds. */
  stop(): Promise<number>;
}

const NO_SERVER: ServerCpu = { start: async () => {}, stop: async () => 0 };

/**
 * The backends are sampled every 100 ms, each from the first to the last time it is seen, so one that the
 * control plane's pool closes during the round still counts up to its last sample.
 */
function serverCpuOf(admin: pg.Client, name: string): ServerCpu {
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  let sampler: NodeJS.Timeout | null = null;
  const sample = async () => {
    const backends = await admin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1', [name]);
    for (const { pid } of backends.rows) {
      const cpu = cpuNanoseconds(pid);
      if (!first.has(pid)) first.set(pid, cpu);
      last.set(pid, cpu);
    }
  };
  return {
    async start() {
      first.clear();
      last.clear();
      await sample();
      sampler = setInterval(() => void sample(), 100);
    },
    async stop() {
      if (sampler) clearInterval(sampler);
      await sample();
      let total = 0;
      for (const [pid, cpu] of last) total += cpu - (first.get(pid) ?? cpu);
      return total / 1e6;
    },
  };
}

async function withDatabase<T>(database: Database, run: (databaseUrl: string, serverCpu: ServerCpu) => Promise<T>): Promise<T> {
  if (database === 'pglite') return run('', NO_SERVER);
  const name = `bench_ingest_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const admin = new pg.Client({ connectionString: postgresServer });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(postgresServer);
    url.pathname = `/${name}`;
    return await run(url.toString(), serverCpuOf(admin, name));
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

/** CPU of the control plane while it is sent nothing, for `ms`. */
async function idleCpuMs(pid: number, ms: number): Promise<number> {
  const before = cpuNanoseconds(pid);
  await sleep(ms);
  return (cpuNanoseconds(pid) - before) / 1e6;
}

async function round(root: string, database: Database, label: string): Promise<RoundResult> {
  const directory = await mkdtemp(join(tmpdir(), 'bench-ingest-'));
  try {
    return await withDatabase(database, async (databaseUrl, serverCpu) => {
      const port = await freePort();
      const nodeFlags = profDir ? ['--cpu-prof', `--cpu-prof-dir=${resolve(profDir)}`] : [];
      const controlPlane = startPinned({
        name: `control plane (${label})`,
        cpu: '0-1',
        command: process.execPath,
        args: [...nodeFlags, '--import', 'tsx', 'control-plane/src/main.ts'],
        cwd: root,
        env: { ...process.env, CONTROL_PLANE_PORT: String(port), GATEWAY_DATA_DIR: directory, DATABASE_URL: databaseUrl },
      });
      const url = `http://127.0.0.1:${port}`;
      const subscription = new AbortController();
      try {
        await controlPlane.waitForLine(/control plane listening on /, 180_000);
        const secret = async (name: string) => (await readFile(join(directory, name), 'utf8')).trim();
        const adminToken = await secret('admin-token');
        const dataPlaneToken = await secret('data-plane-token');
        const { me } = await graphql<{ me: { id: string; memberships: Array<{ orgId: string }> } }>(url, adminToken, '{ me { id memberships { orgId } } }');
        const orgId = me.memberships[0]?.orgId as string;
        const { apiKeys } = await graphql<{ apiKeys: Array<{ id: string }> }>(url, adminToken, 'query($orgId: ID!) { apiKeys(orgId: $orgId) { id } }', {
          orgId,
        });
        const apiKeyId = apiKeys[0]?.id as string;
        // A data plane's subscription: spend floor updates go out on it, as under `npm start`.
        void fetch(`${url}/trpc/dataPlane.snapshot`, { headers: { authorization: `Bearer ${dataPlaneToken}` }, signal: subscription.signal })
          .then(async (response) => {
            for await (const chunk of response.body ?? []) void chunk;
          })
          .catch(() => {});
        const event = (): UsageEvent => {
          const now = new Date().toISOString();
          return usageEvent({
            requestId: `bench-${randomUUID()}`,
            orgId,
            userId: me.id,
            apiKeyId,
            requestedModel: 'simulator/echo',
            servedModel: 'echo',
            providerId: 'simulator',
            promptTokens: 120,
            completionTokens: 40,
            costMicros: 42,
            ttftMs: 2,
            upstreamLatencyMs: 3,
            totalLatencyMs: 4,
            startedAt: now,
          });
        };
        let stored = 0;
        const send = async () => {
          const response = await fetch(`${url}/trpc/dataPlane.ingestUsage`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${dataPlaneToken}` },
            body: JSON.stringify({ events: Array.from({ length: batchSize }, event) }),
          });
          if (!response.ok) throw new Error(`ingest failed: ${response.status} ${(await response.text()).slice(0, 500)}`);
          stored += ((await response.json()) as { result: { data: { inserted: number } } }).result.data.inserted;
        };
        // Warm up (JIT, the database's caches), then let the start's work settle.
        for (let i = 0; i < 5; i += 1) await send();
        await sleep(2_000);
        const idle = await idleCpuMs(controlPlane.pid, 2_000);
        stored = 0;
        const before = cpuNanoseconds(controlPlane.pid);
        await serverCpu.start();
        const startedAt = performance.now();
        const inFlight: Array<Promise<void>> = [];
        for (let i = 0; i < batches; i += 1) {
          inFlight.push(send());
          await sleep(Math.max(0, startedAt + (i + 1) * intervalMs - performance.now()));
        }
        await Promise.all(inFlight);
        // The spend floor refresh after the last batch (debounced 100 ms) and its signing.
        await sleep(1_000);
        const cpuMs = (cpuNanoseconds(controlPlane.pid) - before) / 1e6;
        const serverCpuMs = await serverCpu.stop();
        const wallMs = performance.now() - startedAt;
        return {
          events: stored,
          cpuMs,
          serverCpuMs,
          idleCpuMs: (idle * wallMs) / 2_000,
          microsPerEvent: (1000 * cpuMs) / stored,
          serverMicrosPerEvent: (1000 * serverCpuMs) / stored,
        };
      } finally {
        subscription.abort();
        // SIGINT: the CLI closes and exits, so --cpu-prof writes its profile.
        controlPlane.child.kill('SIGINT');
        await Promise.race([new Promise((done) => controlPlane.child.once('exit', done)), sleep(15_000)]);
        await controlPlane.stop();
      }
    });
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

const loadAverage = async () => (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ');
process.stdout.write(`batches of ${batchSize} events every ${intervalMs} ms (${rate} requests/s), ${batches} batches a round; load ${await loadAverage()}\n`);
for (const database of databases) {
  const results = new Map<string, RoundResult[]>(trees.map((tree) => [tree.side, []]));
  for (let r = 0; r < rounds; r += 1) {
    // Alternate which side goes first, so a drift in the machine's load falls on both.
    const order = r % 2 === 0 ? trees : [...trees].reverse();
    for (const tree of order) {
      const result = await round(tree.root, database, `${database}-${tree.side.split(' ')[0]}-${r}`);
      results.get(tree.side)?.push(result);
      process.stdout.write(
        `${database} ${tree.side} round ${r + 1}: ${result.microsPerEvent.toFixed(0)} µs CPU per event (${result.cpuMs.toFixed(0)} ms for ${result.events} events; idle over as long ${result.idleCpuMs.toFixed(0)} ms)${database === 'postgres' ? `, PostgreSQL backends ${result.serverMicrosPerEvent.toFixed(0)} µs per event` : ''}; load ${await loadAverage()}\n`,
      );
    }
  }
  for (const [side, list] of results) {
    const sorted = list.map((result) => result.microsPerEvent).sort((x, y) => x - y);
    process.stdout.write(
      `${database} ${side}: median ${sorted[Math.floor(sorted.length / 2)]?.toFixed(0)} µs per event (${sorted.map((v) => v.toFixed(0)).join(', ')})\n`,
    );
  }
}
