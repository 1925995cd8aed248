// Issue 13, defect 10 (the parts the data plane's own code decides): /healthz stayed 200 while the
// configured Redis was down and every metered request failed 503 after waiting; a second data plane
// started on a port already in use (SO_REUSEPORT) and both served; a malformed setting was taken as
// is; SIGTERM while the usage spool's disk had stopped answering never finished. The attacks, and the
// answers: not ready at once, a refusal to start, an exit with the usage event in the log.
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startOpenAISimulator, type OpenAISimulator } from '../../simulators/openai/openai-simulator.ts';
import { startDataPlane } from '../../data-plane/src/start-data-plane.ts';
import { startDataPlaneFixture, TEST_API_KEY, TEST_MODEL, type DataPlaneFixture } from '../../data-plane/src/testing/data-plane-fixture.ts';
import type { SpoolFile } from '../../data-plane/src/usage/usage-spool.ts';
import { silentLogger } from '../../shared/src/logger.ts';
import { captureLogger } from '../support/capture-log.ts';

const DATA_PLANE_MAIN = resolve(import.meta.dirname, '../../data-plane/src/main.ts');

let simulator: OpenAISimulator;
beforeAll(async () => {
  simulator = await startOpenAISimulator();
});
afterAll(() => simulator?.close());

function chat(url: string): Promise<Response> {
  return fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: TEST_MODEL, messages: [{ role: 'user', content: 'hi' }] }),
  });
}

/** A port nothing listens on: Redis "configured but down". */
function closedPort(): Promise<number> {
  return new Promise((resolvePort) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

/** Runs data-plane/src/main.ts with `env` and returns its exit code and output. */
function runMain(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', DATA_PLANE_MAIN], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (data: Buffer) => (output += data.toString()));
  child.stderr.on('data', (data: Buffer) => (output += data.toString()));
  return new Promise((resolveExit) => child.on('exit', (code) => resolveExit({ code, output })));
}

describe('a data plane whose Redis is down', () => {
  let fixture: DataPlaneFixture;
  afterAll(() => fixture?.close());

  test('reports not ready and refuses metered requests at once; with SPEND_FAIL_OPEN it stays ready and serves', async () => {
    const redisUrl = `redis://127.0.0.1:${await closedPort()}`;
    fixture = await startDataPlaneFixture(simulator.baseUrl, { spend: { redisUrl } });
    const { url } = fixture.dataPlane;
    await expect.poll(async () => (await fetch(`${url}/healthz`)).status).toBe(503);
    expect(await (await fetch(`${url}/healthz`)).json()).toMatchObject({ status: 'spend_counters_unavailable' });
    const refused = await chat(url);
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('spend_counters_unavailable');

    await fixture.dataPlane.close();
    const failOpen = await fixture.restart({ spend: { redisUrl, failOpen: true } });
    await failOpen.waitForSnapshot();
    expect((await chat(failOpen.url)).status).toBe(200);
    expect((await fetch(`${failOpen.url}/healthz`)).status).toBe(200);
  });
});

describe('a data plane started on a port already in use', () => {
  let fixture: DataPlaneFixture;
  afterAll(() => fixture?.close());

  test('refuses to start, and the one already there keeps serving', async () => {
    fixture = await startDataPlaneFixture(simulator.baseUrl);
    const { controlPlane, stateDir, dataPlane } = fixture;
    const second = startDataPlane({
      port: dataPlane.port,
      controlPlaneUrl: controlPlane.url,
      dataPlaneToken: controlPlane.token,
      snapshotPublicJwk: controlPlane.publicJwk,
      stateDir: `${stateDir}-second`,
      logger: silentLogger,
    });
    await expect(second).rejects.toThrow(`data plane could not listen on 127.0.0.1:${dataPlane.port}: the port is in use`);
    await rm(`${stateDir}-second`, { recursive: true, force: true });
    expect((await chat(dataPlane.url)).status).toBe(200);
  });
});

describe('data-plane settings that cannot be right', () => {
  test.each([
    ['REDIS_URL', '127.0.0.1:6379', 'REDIS_URL must be a redis:// or rediss:// URL'],
    ['DATA_PLANE_PORT', '70000', "DATA_PLANE_PORT must be a port number (0 to 65535), got '70000'"],
  ])('%s=%s stops the data plane before it serves', async (name, value, message) => {
    const { code, output } = await runMain({
      [name]: value,
      DATA_PLANE_TOKEN: 'x',
      SNAPSHOT_PUBLIC_KEY_FILE: resolve(import.meta.dirname, 'no-such-key.json'),
    });
    expect(code).toBe(1);
    expect(output).toContain(message);
  });
});

describe('closing while the usage spool disk has stopped answering', () => {
  test('finishes, and the usage event it could not write is in the log in full', async () => {
    const disk = { hung: false };
    const hangingDisk = async (path: string): Promise<SpoolFile> => {
      const file = await open(path, constants.O_RDWR | constants.O_CREAT);
      return {
        write: (buffer, offset, length, position) => (disk.hung ? new Promise(() => {}) : file.write(buffer, offset, length, position)),
        datasync: () => (disk.hung ? new Promise(() => {}) : file.datasync()),
        stat: () => file.stat(),
        close: () => file.close(),
      };
    };
    const { logger, lines } = captureLogger();
    const fixture = await startDataPlaneFixture(simulator.baseUrl, { usageSpoolOpenFile: hangingDisk, logger });
    try {
      disk.hung = true;
      const upstreamCallsBefore = simulator.requests.length;
      // Its usage event cannot be written, so its answer is held back and it stays in flight.
      void chat(fixture.dataPlane.url).catch(() => {});
      await expect.poll(() => simulator.requests.length).toBe(upstreamCallsBefore + 1);

      await fixture.dataPlane.close(); // what SIGTERM runs before exiting

      const unwritten = lines.filter((line) => line.startsWith('usage spool: closing without writing this usage event: '));
      expect(unwritten).toHaveLength(1);
      expect(unwritten[0]).toContain('"orgId":"org_alpha"');
    } finally {
      disk.hung = false;
      await fixture.controlPlane.close();
    }
  });
});
