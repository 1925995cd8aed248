// Issue 13, defect 6: a provider's apiKeyEnv could name any variable of the data plane's environment;
// pointing it at DATA_PLANE_TOKEN sent the data plane's channel token to the provider's base URL. The
// attack on both planes: an admin names DATA_PLANE_TOKEN (refused, nothing stored), and a snapshot that
// names it anyway (an old row) leaves the provider without a key, so nothing is sent to it. Keys are read once at start.
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import {
  startDataPlaneFixture,
  TEST_API_KEY,
  TEST_MODEL,
  testSnapshotState,
  UPSTREAM_KEY_ENV,
  type DataPlaneFixture,
} from '../../data-plane/src/testing/data-plane-fixture.ts';
import { startOpenAISimulator, type OpenAISimulator } from '../../simulators/openai/openai-simulator.ts';
import { useControlPlaneOnPglite, trpcAs, trpcCode } from '../support/control-plane-on-pglite.ts';

describe('apiKeyEnv must name a provider key variable', () => {
  const controlPlane = useControlPlaneOnPglite({});

  test.each(['DATA_PLANE_TOKEN', 'DATABASE_URL', 'GATEWAY_MASTER_KEYS', 'REDIS_URL', 'HOME'])('apiKeyEnv %s is refused and nothing is stored', async (name) => {
    const outcome = await trpcAs(controlPlane, controlPlane.adminToken)
      .catalog.upsertProvider.mutate({ slug: 'exfil', baseUrl: 'https://api.example.com/v1', apiKeyEnv: name })
      .then(() => 'saved', trpcCode);
    expect(outcome).toBe('BAD_REQUEST');
    expect(await controlPlane.prisma.provider.findUnique({ where: { slug: 'exfil' } })).toBeNull();
  });
});

describe('the data plane sends only provider keys, read once at start', () => {
  const CHANNEL_TOKEN = 'dpt_channel-token-that-must-stay-home';
  let simulator: OpenAISimulator;
  let fixture: DataPlaneFixture;

  beforeAll(async () => {
    process.env.DATA_PLANE_TOKEN = CHANNEL_TOKEN;
    process.env[UPSTREAM_KEY_ENV] = 'sk-platform-at-start';
    simulator = await startOpenAISimulator();
    fixture = await startDataPlaneFixture(simulator.baseUrl);
  });
  afterEach(async () => {
    const version = await fixture.controlPlane.publish(testSnapshotState(simulator.baseUrl));
    await fixture.dataPlane.waitForSnapshot(version);
  });
  afterAll(async () => {
    await fixture?.close();
    await simulator?.close();
    delete process.env.DATA_PLANE_TOKEN;
    delete process.env[UPSTREAM_KEY_ENV];
  });

  async function chat(): Promise<number> {
    const response = await fetch(`${fixture.dataPlane.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: TEST_MODEL, messages: [{ role: 'user', content: 'hi' }] }),
    });
    await response.arrayBuffer();
    return response.status;
  }

  test('a snapshot naming DATA_PLANE_TOKEN as the key holds no key for the provider: nothing is sent, the token never leaves', async () => {
    const state = testSnapshotState(simulator.baseUrl);
    state.providers.prov_simulator!.apiKeyEnv = 'DATA_PLANE_TOKEN';
    const version = await fixture.controlPlane.publish(state);
    await fixture.dataPlane.waitForSnapshot(version);
    const sentBefore = simulator.requests.length;

    expect(await chat()).toBe(503);
    expect(simulator.requests.length).toBe(sentBefore);
  });

  test('a key changed in the environment after start is not read', async () => {
    process.env[UPSTREAM_KEY_ENV] = 'sk-platform-changed-later';
    expect(await chat()).toBe(200);
    expect(simulator.requests.at(-1)!.headers.authorization).toBe('Bearer sk-platform-at-start');
  });
});
