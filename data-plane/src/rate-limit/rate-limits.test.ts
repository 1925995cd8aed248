// Rate limits on one data plane (in-process cells), seen from the client: the x-ratelimit-* headers on
// every answer (streamed and failed ones too), 429 rate_limit_exceeded with retry-after, the per-key default of the org policy and a
// key's override, tokens estimated at admission and given back at settle, and the Anthropic door's own
// envelope and anthropic-ratelimit-* headers.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashSecret } from '../../../shared/src/crypto.ts';
import type { SnapshotState } from '../../../shared/src/snapshot.ts';
import { startOpenAISimulator, type OpenAISimulator } from '../../../simulators/openai/openai-simulator.ts';
import { startDataPlaneFixture, TEST_API_KEY, TEST_MODEL, testSnapshotState, UPSTREAM_KEY_ENV, type DataPlaneFixture } from '../testing/data-plane-fixture.ts';

let simulator: OpenAISimulator;
let fixture: DataPlaneFixture;

beforeEach(async () => {
  process.env[UPSTREAM_KEY_ENV] = 'sk-upstream-secret';
  simulator = await startOpenAISimulator();
  fixture = await startDataPlaneFixture(simulator.baseUrl);
});

afterEach(async () => {
  await fixture.close();
  await simulator.close();
  delete process.env[UPSTREAM_KEY_ENV];
});

type OrgLimits = { rpm: number | null; tpm: number | null; keyRpm: number | null; keyTpm: number | null };

async function publishLimits(org: Partial<OrgLimits> | null, key: { rpm: number | null; tpm: number | null } | null = null): Promise<void> {
  const state: SnapshotState = testSnapshotState(simulator.baseUrl);
  if (org !== null) state.orgs.org_alpha!.rateLimits = { rpm: null, tpm: null, keyRpm: null, keyTpm: null, ...org };
  if (key !== null) state.apiKeys[hashSecret(TEST_API_KEY)]!.rateLimits = key;
  await fixture.dataPlane.waitForSnapshot(await fixture.controlPlane.publish(state));
}

const chat = (maxTokens = 20) => ({ model: TEST_MODEL, messages: [{ role: 'user', content: 'hello there gateway' }], max_tokens: maxTokens });

function post(body: unknown, path = '/v1/chat/completions', headers: Record<string, string> = { authorization: `Bearer ${TEST_API_KEY}` }) {
  return fetch(`${fixture.dataPlane.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

const rateHeaders = (response: Response) =>
  Object.fromEntries([...response.headers].filter(([name]) => name.includes('ratelimit') || name.startsWith('retry-after')));

describe('rate limits on one data plane', () => {
  it('a caller without limits gets no rate limit headers', async () => {
    const response = await post(chat());
    expect(response.status).toBe(200);
    expect(rateHeaders(response)).toEqual({});
  });

  it("the org's per-key default admits that many requests a minute, each answer counting down, then 429 with retry-after", async () => {
    await publishLimits({ keyRpm: 2 });
    const first = await post(chat());
    expect(first.status).toBe(200);
    expect(rateHeaders(first)).toEqual({ 'x-ratelimit-limit-requests': '2', 'x-ratelimit-remaining-requests': '1', 'x-ratelimit-reset-requests': '30s' });
    const second = await post(chat(), '/v1/chat/completions');
    expect(second.status).toBe(200);
    expect(second.headers.get('x-ratelimit-remaining-requests')).toBe('0');

    const refused = await post(chat());
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    // The next request fits once half a minute (one request's share) has passed since the first.
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(30);
    expect(refused.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(await refused.json()).toMatchObject({
      error: { code: 'rate_limit_exceeded', type: 'rate_limit_error', limit: 'requests', scope: 'key', limit_per_minute: 2 },
    });
    expect(simulator.requests).toHaveLength(2);
  });

  it("a key's own limit overrides the org default, and the org's own limit counts every key", async () => {
    await publishLimits({ keyRpm: 1, rpm: 3 }, { rpm: 10, tpm: null });
    const statuses = [];
    for (let index = 0; index < 4; index++) {
      const response = await post(chat());
      statuses.push(response.status);
      if (response.status === 429) expect(((await response.json()) as { error: { scope: string } }).error.scope).toBe('org');
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
  });

  it('a streamed answer and an upstream failure carry the headers too', async () => {
    await publishLimits({ keyRpm: 5, keyTpm: 10_000 });
    const streamed = await post({ ...chat(), stream: true });
    expect(streamed.status).toBe(200);
    expect(await streamed.text()).toContain('[DONE]');
    expect([streamed.headers.get('x-ratelimit-remaining-requests'), streamed.headers.get('x-ratelimit-limit-tokens')]).toEqual(['4', '10000']);
    simulator.scenario = () => ({ status: 500 });
    const failed = await post(chat());
    expect(failed.status).toBeGreaterThanOrEqual(500);
    expect([failed.headers.get('x-ratelimit-remaining-requests'), failed.headers.get('x-ratelimit-limit-tokens')]).toEqual(['3', '10000']);
  });

  it('charges estimated tokens at admission and gives back what the answer did not use', async () => {
    await publishLimits({ keyTpm: 1_000 });
    // max_tokens past the whole minute's tokens: charged as the full 1000 (a larger request could never pass).
    const big = await post(chat(50_000));
    expect(big.status).toBe(200);
    expect(big.headers.get('x-ratelimit-remaining-tokens')).toBe('0');
    const { usage } = (await big.json()) as { usage: { total_tokens: number } };
    // Settled at its actual tokens (a few dozen), so the next request fits at once.
    const next = await post(chat(20));
    expect(next.status).toBe(200);
    expect(Number(next.headers.get('x-ratelimit-remaining-tokens'))).toBeLessThan(1_000 - usage.total_tokens);
    expect(Number(next.headers.get('x-ratelimit-remaining-tokens'))).toBeGreaterThan(1_000 - usage.total_tokens - 200);
    expect(next.headers.get('x-ratelimit-limit-tokens')).toBe('1000');
  });

  it("the Anthropic door refuses in Anthropic's envelope with anthropic-ratelimit-* headers", async () => {
    await publishLimits({ keyRpm: 1, keyTpm: 100_000 });
    const messages = { model: TEST_MODEL, max_tokens: 20, messages: [{ role: 'user', content: 'hello' }] };
    const headers = { 'x-api-key': TEST_API_KEY, 'anthropic-version': '2023-06-01' };
    const first = await post(messages, '/v1/messages', headers);
    expect(first.status).toBe(200);
    expect(first.headers.get('anthropic-ratelimit-requests-limit')).toBe('1');
    expect(first.headers.get('anthropic-ratelimit-requests-remaining')).toBe('0');
    expect(first.headers.get('anthropic-ratelimit-requests-reset')).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(first.headers.get('anthropic-ratelimit-tokens-limit')).toBe('100000');
    expect(first.headers.get('x-ratelimit-limit-requests')).toBeNull();
    const refused = await post(messages, '/v1/messages', headers);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).not.toBeNull();
    expect(await refused.json()).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
  });
});
