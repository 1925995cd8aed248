// Routing that chooses, through the real data plane: two OpenAI simulators serve TEST_MODEL, `simulator`
// first in the catalog and `backup` second, at different speeds, prices and failure rates. The tests
// assert who served (x-gateway-provider) and who was called, never timings: speed differences are large
// (1.5 s against none) and choices are checked after the measurements exist. OpenRouter's max_price and
// require_parameters narrow the same endpoints by their prices and their models' supported_parameters.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { snapshotPricesSchema, type SnapshotEndpoint, type SnapshotState } from '../../shared/src/snapshot.ts';
import { startOpenAISimulator, type OpenAISimulator } from '../../simulators/openai/openai-simulator.ts';
import type { OutlierOptions } from './pipeline/endpoint-health.ts';
import { startDataPlaneFixture, TEST_API_KEY, TEST_MODEL, TEST_PRICES, testSnapshotState, type DataPlaneFixture } from './testing/data-plane-fixture.ts';
import type { Logger } from '../../shared/src/logger.ts';
import { captureLogger } from '../../test/support/capture-log.ts';

const SLOW_MS = 1_500;
const CHEAP_PRICES = snapshotPricesSchema.parse({ prompt: 100, completion: 200, cacheRead: null, cacheWrite: null });

let primary: OpenAISimulator;
let backup: OpenAISimulator;
let fixture: DataPlaneFixture | null;
let logs: string[];
let logger: Logger;

beforeEach(async () => {
  primary = await startOpenAISimulator();
  backup = await startOpenAISimulator();
  fixture = null;
  ({ logger, lines: logs } = captureLogger());
});

afterEach(async () => {
  await fixture?.close();
  await primary.close();
  await backup.close();
});

/** TEST_MODEL served by `simulator` then `backup` (the cheaper one), with `endpoints` overriding their catalog fields. */
async function start(outlier: OutlierOptions = {}, endpoints: { primary?: Partial<SnapshotEndpoint>; backup?: Partial<SnapshotEndpoint> } = {}): Promise<void> {
  const state: SnapshotState = testSnapshotState(primary.baseUrl);
  state.providers.prov_backup = { id: 'prov_backup', slug: 'backup', kind: 'openai-compatible', baseUrl: backup.baseUrl, apiKeyEnv: null };
  const model = state.models[TEST_MODEL]!;
  model.endpoints = [
    { ...model.endpoints[0]!, prices: TEST_PRICES, ...endpoints.primary },
    { providerId: 'prov_backup', upstreamModel: 'echo-backup', prices: CHEAP_PRICES, ...endpoints.backup },
  ];
  fixture = await startDataPlaneFixture(primary.baseUrl, { publish: false, outlier, upstreamTotalTimeoutMs: 30_000, logger });
  await fixture.dataPlane.waitForSnapshot(await fixture.controlPlane.publish(state));
}

function ask(body: Record<string, unknown>): Promise<Response> {
  return fetch(`${fixture!.dataPlane.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_API_KEY}` },
    body: JSON.stringify({ model: TEST_MODEL, messages: [{ role: 'user', content: 'choose' }], ...body }),
  });
}

async function servedBy(body: Record<string, unknown> = {}): Promise<string | null> {
  const response = await ask(body);
  expect(response.status).toBe(200);
  await response.arrayBuffer();
  return response.headers.get('x-gateway-provider');
}

describe('provider.sort and the model suffixes', () => {
  it('throughput (:nitro): each endpoint is measured once, then the fast one serves', async () => {
    await start();
    primary.scenario = () => ({ headersDelayMs: SLOW_MS });
    // Neither measured: catalog order, then the one not yet measured.
    expect(await servedBy({ model: `${TEST_MODEL}:nitro` })).toBe('simulator');
    expect(await servedBy({ model: `${TEST_MODEL}:nitro` })).toBe('backup');
    const slowCalls = primary.requests.length;
    for (let request = 0; request < 3; request += 1) expect(await servedBy({ model: `${TEST_MODEL}:nitro` })).toBe('backup');
    expect(primary.requests.length).toBe(slowCalls);
    // Without a sort the catalog's order stands.
    primary.scenario = () => ({});
    expect(await servedBy()).toBe('simulator');
  });

  it('latency: after warm-up the endpoint with the shorter time to first token serves, streamed too', async () => {
    await start();
    backup.scenario = () => ({ headersDelayMs: SLOW_MS });
    expect(await servedBy({ provider: { sort: 'latency' } })).toBe('simulator');
    expect(await servedBy({ provider: { sort: 'latency' } })).toBe('backup');
    const slowCalls = backup.requests.length;
    expect(await servedBy({ provider: { sort: { by: 'latency' } }, stream: true })).toBe('simulator');
    expect(await servedBy({ provider: { sort: 'latency' } })).toBe('simulator');
    expect(backup.requests.length).toBe(slowCalls);
  });

  it('price (:floor): the cheaper endpoint serves first, without any measurement', async () => {
    await start();
    expect(await servedBy({ model: `${TEST_MODEL}:floor` })).toBe('backup');
    expect(await servedBy({ provider: { sort: 'price' } })).toBe('backup');
    expect(primary.requests).toHaveLength(0);
    // An explicit order still comes first.
    expect(await servedBy({ provider: { sort: 'price', order: ['simulator'] } })).toBe('simulator');
  });

  it('refuses an unknown sort with 400 naming provider.sort', async () => {
    await start();
    const response = await ask({ provider: { sort: 'fastest' } });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { param: 'provider.sort', code: 'invalid_request' } });
  });
});

describe('outlier ejection', () => {
  it('skips an endpoint that failed N times in a row, serving from the other without calling it', async () => {
    await start({ consecutiveFailures: 3, baseEjectionMs: 600_000 });
    primary.scenario = () => ({ status: 503 });
    for (let request = 0; request < 3; request += 1) expect(await servedBy()).toBe('backup');
    expect(primary.requests).toHaveLength(3);
    expect(logs.filter((line) => line.startsWith('endpoint ejected: provider prov_simulator'))).toHaveLength(1);
    for (let request = 0; request < 3; request += 1) expect(await servedBy()).toBe('backup');
    expect(primary.requests).toHaveLength(3);
  });

  it('probes the endpoint once its cool-down is over, and a good answer restores it', async () => {
    await start({ consecutiveFailures: 2, baseEjectionMs: 200 });
    primary.scenario = () => ({ status: 503 });
    expect(await servedBy()).toBe('backup');
    expect(await servedBy()).toBe('backup');
    expect(logs.some((line) => line.startsWith('endpoint ejected'))).toBe(true);
    primary.scenario = () => ({});
    await expect.poll(() => servedBy(), { timeout: 20_000 }).toBe('simulator');
    expect(logs.some((line) => line.startsWith('endpoint restored: provider prov_simulator'))).toBe(true);
    expect(await servedBy()).toBe('simulator');
  });
});

describe('catalog weights', () => {
  it('endpoints of equal priority share the requests by weight; weight 0 only serves after the others', async () => {
    await start({}, { primary: { priority: 0, weight: 0 }, backup: { priority: 0, weight: 5 } });
    for (let request = 0; request < 4; request += 1) expect(await servedBy()).toBe('backup');
    expect(primary.requests).toHaveLength(0);
  });

  it('equal weights: both endpoints serve', async () => {
    await start({}, { primary: { priority: 0, weight: 1 }, backup: { priority: 0, weight: 1 } });
    const seen = new Set<string | null>();
    await expect
      .poll(
        async () => {
          seen.add(await servedBy());
          return [...seen].sort();
        },
        { timeout: 20_000 },
      )
      .toEqual(['backup', 'simulator']);
  });
});

describe("OpenRouter's max_price, require_parameters and the filters the catalog cannot answer", () => {
  it('max_price: an endpoint listed above it is skipped without being called; none within is 400 naming it', async () => {
    await start();
    // simulator lists $3 prompt / $15 completion per million tokens, backup $0.1 / $0.2.
    expect(await servedBy({ provider: { max_price: { prompt: 1, completion: 1 } } })).toBe('backup');
    expect(await servedBy({ provider: { max_price: { prompt: '1' }, order: ['simulator'] } })).toBe('backup');
    expect(primary.requests).toHaveLength(0);
    expect(await servedBy({ provider: { max_price: { prompt: 3, completion: 15 } } })).toBe('simulator');

    const refused = await ask({ provider: { max_price: { prompt: 0.05 } } });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({
      error: { code: 'invalid_request', param: 'provider.max_price', message: expect.stringContaining('the lowest prices are $0.1 and $0.2') },
    });
    expect(backup.requests).toHaveLength(2);
  });

  it('require_parameters: a model lacking a parameter the request sets is skipped for the next of its models; none left is 400', async () => {
    await start();
    // other/echo (provider `other`) lists only max_tokens; TEST_MODEL lists temperature too.
    const body = { model: 'other/echo', models: [TEST_MODEL], temperature: 0.2 };
    const lenient = await ask(body);
    expect([lenient.headers.get('x-gateway-provider'), lenient.headers.get('x-gateway-model')]).toEqual(['other', 'other/echo']);
    const strict = await ask({ ...body, provider: { require_parameters: true } });
    expect(strict.status).toBe(200);
    expect([strict.headers.get('x-gateway-provider'), strict.headers.get('x-gateway-model')]).toEqual(['simulator', TEST_MODEL]);

    const refused = await ask({ ...body, frequency_penalty: 0.5, provider: { require_parameters: true } });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({
      error: { code: 'invalid_request', param: 'provider.require_parameters', message: expect.stringContaining(`'${TEST_MODEL}' lacks frequency_penalty`) },
    });
  });

  it('data_collection "deny" and zdr are refused with 400 rather than ignored: the catalog records no retention policies', async () => {
    await start();
    for (const provider of [{ data_collection: 'deny' }, { zdr: true }]) {
      const refused = await ask({ provider });
      expect(refused.status).toBe(400);
      expect(await refused.json()).toMatchObject({ error: { code: 'invalid_request', param: `provider.${Object.keys(provider)[0]}` } });
    }
    expect(primary.requests).toHaveLength(0);
    expect(await servedBy({ provider: { data_collection: 'allow', zdr: false } })).toBe('simulator');
  });
});
