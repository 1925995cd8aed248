// DATA_PLANE_WORKERS=2 in one process: two worker threads serve one port, each spooling its own usage;
// the main thread's one subscription keeps both on the same snapshot; the in-process spend counters
// are shared, so a limit holds exactly across the workers; /metrics adds the workers up; a second data
// plane cannot take the port; close() drains both and ships nothing twice.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret } from '../../../shared/src/crypto.ts';
import { silentLogger } from '../../../shared/src/logger.ts';
import { microdollars } from '../../../shared/src/money.ts';
import { snapshotPricesSchema } from '../../../shared/src/snapshot.ts';
import { startOpenAISimulator, type OpenAISimulator } from '../../../simulators/openai/openai-simulator.ts';
import { startDataPlane } from '../start-data-plane.ts';
import {
  FUNDED_SPEND_FLOOR,
  startDataPlaneFixture,
  TEST_API_KEY,
  TEST_MODEL,
  testSnapshotState,
  type DataPlaneFixture,
} from '../testing/data-plane-fixture.ts';

const MAX_TOKENS = 10;
/** Free prompt, 10 µ$ per completion token: each request reserves and costs exactly 100 µ$. */
const PRICES = snapshotPricesSchema.parse({ prompt: 0, completion: 10_000, cacheRead: null, cacheWrite: null });
const LIMIT_MICROS = 50_000;
const REQUESTS = 1000;

const LATER_KEY = 'sk-gw-test-key-later';
const BURST_KEY = 'sk-gw-test-key-burst';

let simulator: OpenAISimulator;
let fixture: DataPlaneFixture;

beforeAll(async () => {
  simulator = await startOpenAISimulator();
  // Exactly MAX_TOKENS completion tokens (the simulator counts words).
  simulator.scenario = () => ({ reply: Array.from({ length: MAX_TOKENS }, (_, index) => `w${index}`).join(' ') });
  fixture = await startDataPlaneFixture(simulator.baseUrl, { workers: 2, metrics: { port: 0 } });
});

afterAll(async () => {
  await fixture?.close();
  await simulator?.close();
});

/** The fixture's state and a key added after the workers started. */
function laterState() {
  const state = testSnapshotState(simulator.baseUrl);
  state.apiKeys[hashSecret(LATER_KEY)] = { ...state.apiKeys[hashSecret(TEST_API_KEY)]!, id: 'key_later', name: 'later' };
  return state;
}

/** A fresh connection per request, so the kernel spreads them over both workers' sockets. */
async function chat(apiKey = TEST_API_KEY, content = 'hello'): Promise<Response> {
  const response = await fetch(`${fixture.dataPlane.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', connection: 'close' },
    body: JSON.stringify({ model: TEST_MODEL, messages: [{ role: 'user', content }], max_tokens: MAX_TOKENS }),
  });
  await response.arrayBuffer();
  return response;
}

/** Usage records in one spool directory's segments (one a line). */
async function spooledRecords(directory: string): Promise<number> {
  const path = join(fixture.stateDir, directory);
  const segments = (await readdir(path)).filter((name) => name.endsWith('.ndjson'));
  const texts = await Promise.all(segments.map((name) => readFile(join(path, name), 'utf8')));
  return texts.reduce((sum, text) => sum + text.split('\n').filter((line) => line !== '').length, 0);
}

describe('a data plane with two worker threads', () => {
  it('serves from both workers, each spooling its own usage, and ships every 200 exactly once', async () => {
    const statuses = await Promise.all(Array.from({ length: 40 }, (_, index) => chat(TEST_API_KEY, `request ${index}`).then((response) => response.status)));
    expect(statuses).toEqual(statuses.map(() => 200));
    const spooled = [await spooledRecords('spool'), await spooledRecords('spool-2')];
    expect(spooled[0]).toBeGreaterThan(0);
    expect(spooled[1]).toBeGreaterThan(0);
    expect(spooled[0]! + spooled[1]!).toBe(40);
    await fixture.dataPlane.flushUsage();
    expect(fixture.controlPlane.usage.size).toBe(40);
  });

  it('both workers follow the one subscription: a key published later works on each', async () => {
    expect(fixture.controlPlane.subscriptions).toHaveLength(1);
    const version = await fixture.controlPlane.publish(laterState());
    await fixture.dataPlane.waitForSnapshot(version);
    expect(fixture.dataPlane.snapshotVersion()).toBe(version);
    const statuses = await Promise.all(Array.from({ length: 20 }, () => chat(LATER_KEY).then((response) => response.status)));
    expect(statuses).toEqual(statuses.map(() => 200));
    const health = await Promise.all(
      Array.from({ length: 10 }, async () => (await fetch(`${fixture.dataPlane.url}/healthz`, { headers: { connection: 'close' } })).json()),
    );
    expect(health).toEqual(health.map(() => ({ status: 'ok', snapshotVersion: version })));
    expect(fixture.controlPlane.subscriptions).toHaveLength(1);
  });

  it(`a $0.05 daily limit admits exactly 500 requests of 100 µ$ out of ${REQUESTS}, whichever worker takes them`, async () => {
    // An org of its own, so the earlier tests' spend does not count against its limit.
    const state = laterState();
    for (const endpoint of state.models[TEST_MODEL]!.endpoints) endpoint.prices = PRICES;
    state.orgs.org_burst = { ...state.orgs.org_alpha!, id: 'org_burst', name: 'Burst', dailyLimitMicros: microdollars(LIMIT_MICROS) };
    state.apiKeys[hashSecret(BURST_KEY)] = {
      ...state.apiKeys[hashSecret(TEST_API_KEY)]!,
      id: 'key_burst',
      orgId: 'org_burst',
      userId: 'user_burst',
      name: 'burst',
    };
    const funded = { ...FUNDED_SPEND_FLOOR, day: new Date().toISOString().slice(0, 10) };
    await fixture.controlPlane.publishSpendFloors({ org_alpha: funded, org_burst: funded });
    await fixture.dataPlane.waitForSnapshot(await fixture.controlPlane.publish(state));
    const statuses = await Promise.all(Array.from({ length: REQUESTS }, (_, index) => chat(BURST_KEY, `burst ${index}`).then((response) => response.status)));
    const counts: Record<number, number> = {};
    for (const status of statuses) counts[status] = (counts[status] ?? 0) + 1;
    expect(counts).toEqual({ 200: LIMIT_MICROS / 100, 429: REQUESTS - LIMIT_MICROS / 100 });
  });

  it('/metrics adds up both workers', async () => {
    const scrape = await (await fetch(`http://127.0.0.1:${fixture.dataPlane.metricsPort}/metrics`)).text();
    const chats = /^gateway_requests_total\{(?=[^}]*route="\/v1\/chat\/completions")(?=[^}]*status="200")[^}]*\} (\d+)$/gm;
    const served = [...scrape.matchAll(chats)].reduce((sum, match) => sum + Number(match[1]), 0);
    expect(served).toBe(40 + 20 + LIMIT_MICROS / 100);
    expect(scrape).toMatch(new RegExp(`^gateway_snapshot_version ${fixture.dataPlane.snapshotVersion()}$`, 'm'));
  });

  it('a second data plane on its port is refused, with one thread or two', async () => {
    for (const workers of [1, 2]) {
      const second = startDataPlane({
        port: fixture.dataPlane.port,
        workers,
        controlPlaneUrl: fixture.controlPlane.url,
        dataPlaneToken: fixture.controlPlane.token,
        snapshotPublicJwk: fixture.controlPlane.publicJwk,
        stateDir: join(fixture.stateDir, `second-${workers}`),
        logger: silentLogger,
      });
      await expect(second).rejects.toThrow(`data plane could not listen on 127.0.0.1:${fixture.dataPlane.port}: the port is in use`);
    }
    expect((await chat()).status).toBe(200);
  });
});

describe('a data plane restarted with fewer workers', () => {
  it('ships what the workers it no longer runs left in their spools, once', async () => {
    await fixture.close();
    fixture = await startDataPlaneFixture(simulator.baseUrl, { workers: 2 });
    const statuses = await Promise.all(Array.from({ length: 20 }, (_, index) => chat(TEST_API_KEY, `before ${index}`).then((response) => response.status)));
    expect(statuses).toEqual(statuses.map(() => 200));
    const leftInSpool2 = await spooledRecords('spool-2');
    expect(leftInSpool2).toBeGreaterThan(0);
    // Closed without shipping (the fixture ships once a minute): both spools hold their events.
    await fixture.dataPlane.close();
    expect(fixture.controlPlane.usage.size).toBe(0);
    await fixture.restart({ workers: 1 });
    await fixture.dataPlane.flushUsage();
    await expect.poll(() => fixture.controlPlane.usage.size).toBe(20);
  });
});
