// Routing, retries and fallback through the real data plane: two OpenAI simulators behind two
// providers that both serve TEST_MODEL (`simulator` first, `backup` second), steered per test.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashSecret } from '../../shared/src/crypto.ts';
import type { SnapshotState } from '../../shared/src/snapshot.ts';
import type { UsageEvent } from '../../shared/src/usage-event.ts';
import { startOpenAISimulator, type OpenAISimulator } from '../../simulators/openai/openai-simulator.ts';
import { MISSING_TOOL_RESULT } from './pipeline/repair-tool-calls.ts';
import { captureLogger, type CapturedLog } from '../../test/support/capture-log.ts';
import {
  fundedSpendFloors,
  startDataPlaneFixture,
  TEST_API_KEY,
  TEST_MODEL,
  TEST_PRICES,
  testSnapshotState,
  type DataPlaneFixture,
} from './testing/data-plane-fixture.ts';

const DENY_SIMULATOR_KEY = 'sk-gw-test-key-deny-simulator';
const DENY_ALL_KEY = 'sk-gw-test-key-deny-all';
const BACKUP_SCOPED_KEY = 'sk-gw-test-key-backup-scoped';

let primary: OpenAISimulator;
let backup: OpenAISimulator;
let fixture: DataPlaneFixture;
let log: CapturedLog;

/** The fixture's snapshot plus the `backup` provider, a second TEST_MODEL endpoint and two orgs with provider rules. */
function routingState(): SnapshotState {
  const state = testSnapshotState(primary.baseUrl);
  const alphaKey = state.apiKeys[hashSecret(TEST_API_KEY)];
  const alpha = state.orgs.org_alpha;
  const testModel = state.models[TEST_MODEL];
  if (alphaKey === undefined || alpha === undefined || testModel === undefined) throw new Error('the fixture snapshot changed shape');
  state.providers.prov_backup = { id: 'prov_backup', slug: 'backup', kind: 'openai-compatible', baseUrl: backup.baseUrl, apiKeyEnv: null };
  testModel.endpoints.push({ providerId: 'prov_backup', upstreamModel: 'echo-backup', prices: TEST_PRICES });
  state.models['backup/echo'] = {
    ...testModel,
    id: 'backup/echo',
    endpoints: [{ providerId: 'prov_backup', upstreamModel: 'echo-only-backup', prices: TEST_PRICES }],
  };
  state.orgs.org_deny_simulator = { ...alpha, id: 'org_deny_simulator', deniedProviders: ['simulator'] };
  state.orgs.org_deny_all = { ...alpha, id: 'org_deny_all', allowedProviders: ['other'], deniedProviders: ['simulator'] };
  state.apiKeys[hashSecret(DENY_SIMULATOR_KEY)] = { ...alphaKey, id: 'key_deny_simulator', orgId: 'org_deny_simulator' };
  state.apiKeys[hashSecret(DENY_ALL_KEY)] = { ...alphaKey, id: 'key_deny_all', orgId: 'org_deny_all' };
  state.apiKeys[hashSecret(BACKUP_SCOPED_KEY)] = { ...alphaKey, id: 'key_backup_scoped', scopes: { models: [TEST_MODEL], providers: ['backup'] } };
  return state;
}

beforeEach(async () => {
  primary = await startOpenAISimulator();
  backup = await startOpenAISimulator();
  log = captureLogger();
  fixture = await startDataPlaneFixture(primary.baseUrl, {
    upstreamTimeoutMs: 5_000,
    upstreamAttemptTimeoutMs: 300,
    upstreamTotalTimeoutMs: 20_000,
    logger: log.logger,
  });
  // The orgs this file adds are funded like the fixture's own.
  await fixture.controlPlane.publishSpendFloors(fundedSpendFloors(routingState()));
  const version = await fixture.controlPlane.publish(routingState());
  await fixture.dataPlane.waitForSnapshot(version);
});

afterEach(async () => {
  await fixture.close();
  await primary.close();
  await backup.close();
});

function post(body: Record<string, unknown>, apiKey = TEST_API_KEY, signal?: AbortSignal): Promise<Response> {
  return fetch(`${fixture.dataPlane.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
    body: JSON.stringify({ model: TEST_MODEL, messages: [{ role: 'user', content: 'route me' }], ...body }),
    signal,
  });
}

async function usageOf(response: Response): Promise<UsageEvent | undefined> {
  await fixture.dataPlane.flushUsage();
  return fixture.controlPlane.usage.get(response.headers.get('x-request-id') as string);
}

function expectServedByBackup(response: Response): void {
  expect(response.status).toBe(200);
  expect(response.headers.get('x-gateway-provider')).toBe('backup');
  expect(response.headers.get('x-gateway-model')).toBe(TEST_MODEL);
  expect(backup.requests).toHaveLength(1);
  expect((backup.requests[0]?.body as { model: string }).model).toBe('echo-backup');
}

describe('fallback to the next endpoint before the first byte', () => {
  it('serves from the first endpoint when it answers, and names it', async () => {
    const response = await post({});
    expect(await response.json()).toMatchObject({ choices: [{ message: { content: 'Echo: route me' } }] });
    expect(response.headers.get('x-gateway-provider')).toBe('simulator');
    expect(response.headers.get('x-gateway-model')).toBe(TEST_MODEL);
    expect(backup.requests).toHaveLength(0);
    expect(await usageOf(response)).toMatchObject({ providerId: 'prov_simulator', servedModel: 'echo', status: 200 });
  });

  it('503 on the first → the second serves it; one usage event, for the serving endpoint; the failure is logged', async () => {
    primary.scenario = () => ({ status: 503 });
    const response = await post({});
    expectServedByBackup(response);
    expect(await response.json()).toMatchObject({ choices: [{ message: { content: 'Echo: route me' } }] });
    expect(primary.requests).toHaveLength(1);
    expect(await usageOf(response)).toMatchObject({
      providerId: 'prov_backup',
      servedModel: 'echo-backup',
      requestedModel: TEST_MODEL,
      status: 200,
      errorCode: null,
    });
    expect(fixture.controlPlane.usage.size).toBe(1);
    const attempt = { provider: 'simulator', model: 'echo', upstreamStatus: 503, error: 'upstream_error', next: 'next-endpoint' };
    expect(log.records.find((record) => record.msg === 'upstream attempt failed')).toMatchObject({
      requestId: response.headers.get('x-request-id'),
      ...attempt,
    });
    // The access log's one line for the request names the failed attempt with its cause, and the endpoint that served.
    await expect.poll(() => log.records.filter((record) => record.msg === 'request')).toHaveLength(1);
    const access = log.records.find((record) => record.msg === 'request')!;
    expect(access).toMatchObject({ requestId: response.headers.get('x-request-id'), status: 200, provider: 'backup', model: TEST_MODEL, keyId: 'key_alpha' });
    expect(access.attempts).toEqual([expect.objectContaining({ ...attempt, cause: expect.any(String) })]);
  });

  it('429 with retry-after on the first → the second serves the stream at once', async () => {
    primary.scenario = () => ({ status: 429, headers: { 'retry-after': '30' } });
    const response = await post({ stream: true });
    expectServedByBackup(response);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const text = await response.text();
    const sent = backup.requests[0]!.responseText.replace(/data: \{[^\n]*"choices":\[\][^\n]*\n\n/, '');
    expect(text).toBe(sent.replaceAll('"model":"echo-backup"', `"model":"${TEST_MODEL}"`));
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it('connection refused on the first → the second serves it', async () => {
    await primary.close();
    const response = await post({});
    expectServedByBackup(response);
    await response.text();
  });

  it('a connection reset by the first before any answer → the second serves it', async () => {
    primary.scenario = () => ({ resetBeforeHeaders: true });
    const response = await post({ stream: true });
    expectServedByBackup(response);
    expect(await response.text()).toContain('data: [DONE]');
    // The primary saw the request (a pooled connection that reset is retried once on a fresh one first).
    expect(primary.requests.length).toBeGreaterThan(0);
  });

  it('no headers within the attempt timeout on the first → the second serves it', async () => {
    primary.scenario = () => ({ headersDelayMs: 10_000 });
    const response = await post({ stream: true });
    expectServedByBackup(response);
    expect(await response.text()).toContain('data: [DONE]');
    expect(log.records.find((record) => record.msg === 'upstream attempt failed')).toMatchObject({
      provider: 'simulator',
      model: 'echo',
      upstreamStatus: null,
      error: 'upstream_timeout',
      cause: 'The upstream provider did not respond in time.',
      next: 'next-endpoint',
    });
  });

  it('does not fall back on a 400 from the upstream (it would fail the same way)', async () => {
    primary.scenario = () => ({ status: 400 });
    const response = await post({});
    expect(response.status).toBe(400);
    expect(response.headers.get('x-gateway-provider')).toBe('simulator');
    await response.text();
    expect(backup.requests).toHaveLength(0);
  });

  it('a failure after the first byte ends the stream with an error frame, without fallback', async () => {
    primary.scenario = () => ({ dropAfterChunks: 2, chunkDelayMs: 30 });
    const response = await post({ stream: true });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-gateway-provider')).toBe('simulator');
    const frames = (await response.text()).split('\n\n').filter(Boolean);
    expect(frames.at(-1)).toMatch(/^data: \{"error":\{.*"code":"upstream_error"/);
    expect(backup.requests).toHaveLength(0);
    expect(await usageOf(response)).toMatchObject({ providerId: 'prov_simulator', status: 200, errorCode: 'upstream_error' });
  });

  it('gives the last failure to the client when every endpoint fails, metered once', async () => {
    primary.scenario = () => ({ status: 503 });
    backup.scenario = () => ({ status: 500 });
    const response = await post({});
    expect(response.status).toBe(502);
    expect(response.headers.get('x-gateway-provider')).toBe('backup');
    expect(await response.json()).toMatchObject({ error: { code: 'upstream_error' } });
    // The last endpoint is retried after backoff (MAX_RETRIES = 2), the first is not.
    expect(primary.requests).toHaveLength(1);
    expect(backup.requests).toHaveLength(3);
    expect(await usageOf(response)).toMatchObject({ providerId: 'prov_backup', status: 502, errorCode: 'upstream_error' });
    expect(fixture.controlPlane.usage.size).toBe(1);
  });
});

describe('request routing extras', () => {
  it('provider.order picks the backup first; provider and models never reach the upstream', async () => {
    const response = await post({ provider: { order: ['backup'] }, models: [TEST_MODEL] });
    expectServedByBackup(response);
    await response.text();
    expect(primary.requests).toHaveLength(0);
    expect(backup.requests[0]?.body).not.toHaveProperty('provider');
    expect(backup.requests[0]?.body).not.toHaveProperty('models');
  });

  it('allow_fallbacks: false keeps the request on the ordered provider', async () => {
    primary.scenario = () => ({ status: 503 });
    const response = await post({ provider: { order: ['simulator'], allow_fallbacks: false } });
    expect(response.status).toBe(502);
    expect(response.headers.get('x-gateway-provider')).toBe('simulator');
    await response.text();
    expect(backup.requests).toHaveLength(0);
  });

  it('provider.ignore skips the first provider', async () => {
    const response = await post({ provider: { ignore: ['simulator'] } });
    expectServedByBackup(response);
    await response.text();
    expect(primary.requests).toHaveLength(0);
  });

  it('models: a fallback model serves when every endpoint of the requested one failed', async () => {
    primary.scenario = () => ({ status: 503 });
    const response = await post({ model: 'other/echo', models: ['backup/echo'] });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-gateway-provider')).toBe('backup');
    expect(response.headers.get('x-gateway-model')).toBe('backup/echo');
    await response.text();
    expect((backup.requests[0]?.body as { model: string }).model).toBe('echo-only-backup');
    expect(await usageOf(response)).toMatchObject({ requestedModel: 'other/echo', providerId: 'prov_backup', servedModel: 'echo-only-backup' });
  });

  it('models: an unknown fallback model is a 404 before any upstream call', async () => {
    const response = await post({ models: ['nobody/nothing'] });
    expect(response.status).toBe(404);
    await response.text();
    expect(primary.requests).toHaveLength(0);
  });
});

describe('organization provider rules and key scopes', () => {
  it('a denied provider is skipped', async () => {
    const response = await post({}, DENY_SIMULATOR_KEY);
    expectServedByBackup(response);
    await response.text();
    expect(primary.requests).toHaveLength(0);
  });

  it('403 naming the rule when no allowed provider serves the model', async () => {
    const response = await post({}, DENY_ALL_KEY);
    expect(response.status).toBe(403);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('forbidden');
    expect(body.error.message).toContain('allowed providers: other; denied providers: simulator');
    expect(primary.requests).toHaveLength(0);
    expect(backup.requests).toHaveLength(0);
  });

  it("a key's scopes narrow the org's: only its providers serve, only its models are allowed", async () => {
    const response = await post({}, BACKUP_SCOPED_KEY);
    expectServedByBackup(response);
    await response.text();
    expect(primary.requests).toHaveLength(0);
    const refused = await post({ model: 'other/echo' }, BACKUP_SCOPED_KEY);
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toBe("This API key is not scoped to the model 'other/echo'.");
  });

  it('/models hides the models no allowed provider serves', async () => {
    const list = async (apiKey: string) => {
      const response = await fetch(`${fixture.dataPlane.url}/v1/models`, { headers: { authorization: `Bearer ${apiKey}` } });
      return ((await response.json()) as { data: Array<{ id: string }> }).data.map((model) => model.id);
    };
    expect(await list(DENY_SIMULATOR_KEY)).toEqual(['backup/echo', 'other/echo', TEST_MODEL]);
    expect(await list(DENY_ALL_KEY)).toEqual(['other/echo']);
    expect(await list(BACKUP_SCOPED_KEY)).toEqual([TEST_MODEL]);
  });
});

describe('client abort', () => {
  it('stops the retries: no further attempt after the client went away, metered as 499', async () => {
    // other/echo has one endpoint, so its 503 is retried after the retry-after (5 s, within the budget).
    primary.scenario = () => ({ status: 503, headers: { 'retry-after': '5' } });
    const controller = new AbortController();
    const pending = post({ model: 'other/echo' }, TEST_API_KEY, controller.signal).catch((error: unknown) => error);
    await expect
      .poll(() => log.records.some((record) => record.msg === 'upstream attempt failed' && record.next === 'retry' && record.delayMs === 5000))
      .toBe(true);
    controller.abort();
    await pending;
    await expect
      .poll(async () => {
        await fixture.dataPlane.flushUsage();
        return [...fixture.controlPlane.usage.values()].map((event) => [event.status, event.errorCode]);
      })
      .toEqual([[499, 'client_closed']]);
    expect(primary.requests).toHaveLength(1);
  });
});

describe('tool-call repair', () => {
  it('sends a placeholder result for an unanswered call and drops an orphan result', async () => {
    const toolCall = { id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{}' } };
    const response = await post({
      messages: [
        { role: 'user', content: 'look it up' },
        { role: 'assistant', content: null, tool_calls: [toolCall, toolCall] },
        { role: 'tool', tool_call_id: 'call_ghost', content: 'orphan' },
        { role: 'user', content: 'well?' },
      ],
    });
    expect(response.status).toBe(200);
    await response.text();
    expect((primary.requests[0]?.body as { messages: unknown[] }).messages).toEqual([
      { role: 'user', content: 'look it up' },
      { role: 'assistant', content: null, tool_calls: [toolCall] },
      { role: 'tool', tool_call_id: 'call_1', content: MISSING_TOOL_RESULT },
      { role: 'user', content: 'well?' },
    ]);
  });
});
