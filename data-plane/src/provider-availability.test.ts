// Issue 14, item 5: a provider the gateway holds no key for is never called. The fixture's data plane
// starts with no platform key for the simulator provider (its apiKeyEnv names one), so `simulator/echo`
// has no credential while `other/echo` (a provider that needs no key) still answers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAISimulator, type OpenAISimulator } from '../../simulators/openai/openai-simulator.ts';
import { listModels } from './pipeline/handle-list-models.ts';
import type { PipelineContext } from './pipeline/pipeline-context.ts';
import { buildSnapshotView } from './snapshot/snapshot-view.ts';
import { holdState } from './snapshot/held-state.ts';
import { startDataPlaneFixture, TEST_API_KEY, TEST_MODEL, testSnapshotState, UPSTREAM_KEY_ENV, type DataPlaneFixture } from './testing/data-plane-fixture.ts';

let simulator: OpenAISimulator;
let fixture: DataPlaneFixture;

beforeAll(async () => {
  simulator = await startOpenAISimulator();
  fixture = await startDataPlaneFixture(simulator.baseUrl, { providerKeys: new Map() });
});

afterAll(async () => {
  await fixture?.close();
  await simulator?.close();
});

function post(path: string, body: unknown): Promise<Response> {
  return fetch(`${fixture.dataPlane.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

const notConfigured =
  `No provider key is configured for the model '${TEST_MODEL}' (provider simulator): set ${UPSTREAM_KEY_ENV} in the data plane's environment, ` +
  "or add your organization's own key for it (BYOK).";

describe('a provider without a key', () => {
  it('is skipped without a network call: 503 provider_not_configured naming the variable, in the door’s envelope', async () => {
    const sentBefore = simulator.requests.length;
    const chat = await post('/v1/chat/completions', { model: TEST_MODEL, messages: [{ role: 'user', content: 'hi' }] });
    expect(chat.status).toBe(503);
    expect(await chat.json()).toEqual({ error: { message: notConfigured, type: 'server_error', code: 'provider_not_configured', param: 'model' } });

    const messages = await post('/v1/messages', { model: TEST_MODEL, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] });
    expect(messages.status).toBe(503);
    expect(await messages.json()).toMatchObject({ type: 'error', error: { message: notConfigured } });
    expect(simulator.requests.length).toBe(sentBefore);
  });

  it('leaves the other providers serving', async () => {
    const chat = await post('/v1/chat/completions', { model: 'other/echo', messages: [{ role: 'user', content: 'hi' }] });
    expect(chat.status).toBe(200);
    expect(((await chat.json()) as { model: string }).model).toBe('other/echo');
  });

  it('keeps its models out of /models unless ?all=true, which lists each with `available`', async () => {
    const list = async (path: string) => {
      const response = await fetch(`${fixture.dataPlane.url}${path}`, { headers: { authorization: `Bearer ${TEST_API_KEY}` } });
      return ((await response.json()) as { data: Array<{ id: string; available: boolean }> }).data.map(({ id, available }) => ({ id, available }));
    };
    expect(await list('/v1/models')).toEqual([{ id: 'other/echo', available: true }]);
    expect(await list('/v1/models?all=true')).toEqual([
      { id: 'other/echo', available: true },
      { id: TEST_MODEL, available: false },
    ]);
    expect(await list('/api/gateway/v1/models?all=true')).toEqual(await list('/v1/models?all=true'));
  });
});

describe('/models and BYOK', () => {
  // The org's own key for the simulator provider makes its model available to that org's keys only.
  const state = testSnapshotState('http://127.0.0.1:9/v1');
  state.byokCredentials = { cred_alpha: { orgId: 'org_alpha', userId: null, providerId: 'prov_simulator', last4: 'ALFA', jwe: 'sealed' } };
  const view = buildSnapshotView(1, 'hash', holdState(state), new Map([['cred_alpha', { credentialId: 'cred_alpha', last4: 'ALFA', apiKey: 'sk-alpha-own' }]]));
  const context = { currentSnapshot: () => view, upstream: { providerKeys: new Map() } } as unknown as Pick<PipelineContext, 'currentSnapshot' | 'upstream'>;
  const ids = (authorization: string) => listModels(context, authorization, '', Date.now()).data.map((model) => model.id);

  it("lists a model served only through the caller's BYOK key for that caller, not for anonymous callers", () => {
    expect(ids(`Bearer ${TEST_API_KEY}`)).toEqual(['other/echo', TEST_MODEL]);
    expect(ids('')).toEqual(['other/echo']);
  });
});
