// A control plane killed with SIGKILL again and again, at seeded random moments, while a data plane
// serves mixed streamed and non-streamed traffic: the data plane keeps answering every request, its
// spool holds the usage while the control plane is down (or dies mid-ingest), and once a control plane
// is back the spool drains: every request that completed with a 200 has exactly one usage row, and the
// ledger's debits equal the usage's cost. The control plane runs as its own process on the test's
// database (PGlite in a data folder, so it survives the kill, or PostgreSQL).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDataPlane } from '../../data-plane/src/start-data-plane.ts';
import { startGateway, SIMULATOR_MODEL, type Gateway } from '../support/gateway-harness.ts';
import { expectUsageMatchesSuccesses, killTestRandom, startMixedLoad } from '../support/kill-test-load.ts';
import { testEngines } from '../support/test-database.ts';
import { freePort } from '../support/free-port.ts';
import { CHAOS_TEST_TIMEOUT_MS } from '../support/eventually.ts';
import { PlaneProcess } from '../support/plane-process.ts';
import { silentLogger } from '../../shared/src/logger.ts';

const KILLS = 2;

describe.each(testEngines)('control plane SIGKILL during traffic (%s)', (engine) => {
  let gateway: Gateway;
  // Started by each test; the in-process plane it replaces is closed in beforeAll.
  const child = new PlaneProcess(
    'control-plane/src/main.ts',
    () => gateway.controlPlanePort,
    () => ({
      CONTROL_PLANE_PORT: String(gateway.controlPlanePort),
      GATEWAY_DATA_DIR: gateway.dataDir,
      DATABASE_URL: gateway.databaseUrl ?? '',
      SIMULATOR_BASE_URL: gateway.simulator.baseUrl,
      ALLOW_PRIVATE_UPSTREAMS: 'true',
    }),
  );

  beforeAll(async () => {
    gateway = await startGateway(engine);
    const { dataPlaneToken, publicJwk } = gateway.controlPlane!;
    // The in-process control plane seeded the database; from here on it runs as a process that can be killed.
    await gateway.controlPlane!.close();
    gateway.controlPlane = null;
    // A data plane that retries shipping at least every second, so the drain after the last restart
    // does not wait out a long backoff (USAGE_SHIP_MAX_BACKOFF_MS).
    await gateway.dataPlane!.close();
    gateway.dataPlane = await startDataPlane({
      port: await freePort(),
      controlPlaneUrl: `http://127.0.0.1:${gateway.controlPlanePort}`,
      dataPlaneToken,
      snapshotPublicJwk: publicJwk,
      stateDir: gateway.dataPlaneStateDir,
      usageFlushIntervalMs: 20,
      usageShipMaxBackoffMs: 1000,
      allowPrivateUpstreams: true,
      logger: silentLogger,
    });
    gateway.simulator.scenario = () => ({ chunkDelayMs: 2 });
  });
  afterAll(async () => {
    await child.kill();
    await gateway?.close();
  });

  it(`the data plane serves throughout ${KILLS} kills, and every 200 has exactly one usage row afterwards`, { timeout: CHAOS_TEST_TIMEOUT_MS }, async () => {
    const { between } = killTestRandom(`control plane SIGKILL (${engine})`);
    await child.start();
    const dataPlaneUrl = gateway.dataPlane!.url;
    const load = startMixedLoad({ baseUrl: () => dataPlaneUrl, apiKey: gateway.apiKey, model: SIMULATOR_MODEL, workers: 8 });
    for (let kill = 1; kill <= KILLS; kill++) {
      const upMs = between(200, 1500);
      await new Promise((resolve) => setTimeout(resolve, upMs));
      await child.kill();
      const downMs = between(0, 1000);
      process.stdout.write(`control plane SIGKILL ${kill}/${KILLS}: after ${upMs} ms up, down for ${downMs} ms; ${load.succeeded.length} completed so far\n`);
      await new Promise((resolve) => setTimeout(resolve, downMs));
      const restartedAt = Date.now();
      await child.start();
      process.stdout.write(`control plane restarted in ${Date.now() - restartedAt} ms\n`);
    }
    await load.stop();
    // The data plane never depended on the control plane to answer.
    expect(load.unfinished + load.refused).toBe(0);
    expect(load.succeeded.length).toBeGreaterThan(0);

    // Hand the database to an in-process control plane (same port and data), which the test can query;
    // the spool drains into it like into any restarted control plane.
    await child.kill();
    const handoverAt = Date.now();
    await gateway.startControlPlane();
    const totals = await expectUsageMatchesSuccesses(gateway, load);
    process.stdout.write(
      `control plane SIGKILL (${engine}): ${totals.completed} completed, ${totals.unfinished} cut off, ${totals.refused} refused while down, ${totals.rows} usage rows, ` +
        `${totals.usageCostMicros} µ$ debited; spool drained ${Date.now() - handoverAt} ms after the last start\n`,
    );
  });
});
