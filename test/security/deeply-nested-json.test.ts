// Issue 13, defect 9: 100,000 nested arrays in an unknown field gave `internal_error` (500) on chat and
// FIM: the body parsed, then overflowed the stack where it was serialised again. The attack on every
// POST route: each answers 400 in its own door's envelope, and the data plane keeps serving.
import { describe, expect, test } from 'vitest';
import { TEST_API_KEY, TEST_MODEL } from '../../data-plane/src/testing/data-plane-fixture.ts';
import { useSimulatedDataPlane } from '../support/simulated-data-plane.ts';

const DEEP = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;

const routes = [
  { path: '/v1/chat/completions', body: { model: TEST_MODEL, messages: [{ role: 'user', content: 'hi' }] }, door: 'openai' },
  { path: '/v1/fim/completions', body: { model: TEST_MODEL, prompt: 'def f(' }, door: 'openai' },
  { path: '/v1/responses', body: { model: TEST_MODEL, input: 'hi' }, door: 'openai' },
  { path: '/v1/messages', body: { model: TEST_MODEL, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }, door: 'anthropic' },
  { path: '/v1/messages/count_tokens', body: { model: TEST_MODEL, messages: [{ role: 'user', content: 'hi' }] }, door: 'anthropic' },
] as const;

describe('deeply nested JSON is refused with a 400 on every POST route', () => {
  const running = useSimulatedDataPlane();

  test.each(routes)('$path', async ({ path, body, door }) => {
    const text = JSON.stringify(body).replace(/}$/, `,"unknown_field":${DEEP}}`);
    const response = await fetch(`${running.fixture.dataPlane.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
      body: text,
    });
    expect(response.status).toBe(400);
    const envelope = (await response.json()) as { type?: string; error: { type: string; message: string } };
    if (door === 'anthropic') expect(envelope.type).toBe('error');
    expect(envelope.error.type).toBe('invalid_request_error');
    expect(envelope.error.message).toContain('nested more than 128 levels');
    expect(running.simulator.requests).toHaveLength(0);

    const healthy = await fetch(`${running.fixture.dataPlane.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: TEST_MODEL, messages: [{ role: 'user', content: [{ type: 'text', text: 'still here' }] }] }),
    });
    expect(healthy.status).toBe(200);
    running.simulator.requests.length = 0;
  });
});
