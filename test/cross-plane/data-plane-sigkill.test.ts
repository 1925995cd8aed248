// A data plane killed with SIGKILL again and again in the middle of mixed streamed and non-streamed
// traffic, at seeded random moments, loses and doubles no usage: after the last restart every request
// that completed with a 200 has exactly one usage row, and the ledger's debits equal the usage's cost.
// Both spool sync modes are killed: a SIGKILL leaves the page cache intact, so 'write' holds too. So is a
// data plane of two worker threads: each spools its own usage, and the restarted one ships both spools.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, SIMULATOR_MODEL, type Gateway } from '../support/gateway-harness.ts';
import { expectUsageMatchesSuccesses, killTestRandom, startMixedLoad } from '../support/kill-test-load.ts';
import { testEngines } from '../support/test-database.ts';
import { freePort } from '../support/free-port.ts';
import { CHAOS_TEST_TIMEOUT_MS } from '../support/eventually.ts';
import { PlaneProcess } from '../support/plane-process.ts';
import { waitFor } from '../support/wait-for.ts';

const KILLS = 3;

const runs = [...testEngines.map((engine) => [engine, 'fdatasync', 1] as const), ['pglite', 'write', 1] as const, ['pglite', 'fdatasync', 2] as const];

describe.each(runs)('data plane SIGKILL during traffic (%s, USAGE_SPOOL_SYNC=%s, DATA_PLANE_WORKERS=%i)', (engine, spoolSync, workers) => {
  let gateway: Gateway;
  let port: number;
  // Started by each test; the in-process plane it replaces is closed in beforeAll.
  const child = new PlaneProcess(
    'data-plane/src/main.ts',
    () => port,
    () => ({
      DATA_PLANE_PORT: String(port),
      CONTROL_PLANE_URL: gateway.controlPlane!.url,
      DATA_PLANE_TOKEN: gateway.controlPlane!.dataPlaneToken,
      SNAPSHOT_PUBLIC_KEY_FILE: join(gateway.dataDir, 'keys', 'snapshot-signing.public.jwk'),
      DATA_PLANE_STATE_DIR: join(gateway.dataDir, 'child-data-plane'),
      USAGE_FLUSH_INTERVAL_MS: '20',
      USAGE_SPOOL_SYNC: spoolSync,
      ALLOW_PRIVATE_UPSTREAMS: 'true',
      DATA_PLANE_WORKERS: String(workers),
    }),
  );

  beforeAll(async () => {
    gateway = await startGateway(engine);
    // This suite runs the data plane as a separate process, so it can be killed for real.
    await gateway.dataPlane!.close();
    gateway.dataPlane = null;
    port = await freePort();
    gateway.simulator.scenario = () => ({ chunkDelayMs: 2 });
  });
  afterAll(async () => {
    await child.kill();
    await gateway?.close();
  });

  it('a stream cut by the SIGKILL is billed once, at its worst case, by the restarted data plane', { timeout: CHAOS_TEST_TIMEOUT_MS }, async () => {
    await child.start();
    const prisma = gateway.controlPlane!.prisma;
    gateway.simulator.scenario = () => ({ reply: 'word '.repeat(400), chunkDelayMs: 50 });
    const response = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gateway.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: SIMULATOR_MODEL, messages: [{ role: 'user', content: 'stream a while' }], max_tokens: 1000, stream: true }),
    });
    expect(response.status).toBe(200);
    const requestId = response.headers.get('x-request-id')!;
    const reader = response.body!.getReader();
    await reader.read(); // the stream is under way
    await child.kill();
    await reader.read().catch(() => {});
    gateway.simulator.scenario = () => ({ chunkDelayMs: 2 });
    // Nothing reached the control plane from the killed process; the restarted one ships the stream's record.
    expect(await prisma.usageRecord.count({ where: { requestId } })).toBe(0);
    await child.start();
    const row = await waitFor(() => prisma.usageRecord.findUnique({ where: { requestId } }).then((found) => found ?? undefined), {
      what: "the interrupted stream's usage row",
    });
    expect(row).toMatchObject({ status: 200, errorCode: 'stream_interrupted', streamed: true, usageEstimated: true, completionTokens: 1000 });
    expect(row.costMicros).toBeGreaterThan(0n);
    const debits = await prisma.ledgerEntry.findMany({ where: { usageRequestId: requestId } });
    expect(debits.map((debit) => debit.amountMicros)).toEqual([-row.costMicros]);
    await child.kill();
  });

  it(`every request that got a 200 has exactly one usage row after ${KILLS} kills`, { timeout: CHAOS_TEST_TIMEOUT_MS }, async () => {
    const { between } = killTestRandom(`data plane SIGKILL (${engine}, ${spoolSync}, ${workers} workers)`);
    await child.start();
    const load = startMixedLoad({ baseUrl: () => `http://127.0.0.1:${port}`, apiKey: gateway.apiKey, model: SIMULATOR_MODEL, workers: 8 });
    for (let kill = 1; kill <= KILLS; kill++) {
      // Some traffic first, so each kill lands among requests in every stage; then a random moment.
      const before = load.succeeded.length;
      await waitFor(() => (load.succeeded.length >= before + 20 ? true : undefined), { what: '20 more completed requests' });
      const delayMs = between(0, 600);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      await child.kill();
      process.stdout.write(`data plane SIGKILL ${kill}/${KILLS}: ${delayMs} ms after 20 more completions, ${load.succeeded.length} completed so far\n`);
      await child.start();
    }
    await load.stop();
    const totals = await expectUsageMatchesSuccesses(gateway, load);
    process.stdout.write(
      `data plane SIGKILL (${engine}, ${spoolSync}, ${workers} workers): ${totals.completed} completed, ${totals.unfinished} cut off, ${totals.refused} refused while down, ${totals.rows} usage rows, ${totals.usageCostMicros} µ$ debited\n`,
    );
  });
});
