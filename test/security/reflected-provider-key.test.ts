// Issue 13, defect 7: an upstream that reflects the Authorization header in its error text put the key
// the gateway sent (an organization's BYOK key, here the platform key: the same path) in the client's
// error body. The attack: an upstream echoing the key, whole or cut, in an error answer, in an error
// answer the gateway retries, and in a streamed error frame; the client never sees it.
import { describe, expect, test } from 'vitest';
import { useSimulatedDataPlane } from '../support/simulated-data-plane.ts';
import { TEST_API_KEY, TEST_MODEL } from '../../data-plane/src/testing/data-plane-fixture.ts';

const PROVIDER_KEY = 'sk-proj-Reflected0123456789abcdefGHIJKLmnop';

describe('the key the gateway sent never comes back to the client', () => {
  const { simulator, fixture } = useSimulatedDataPlane({ upstreamKey: PROVIDER_KEY, fixture: { upstreamTimeoutMs: 5_000 } });

  async function chat(stream: boolean): Promise<{ status: number; text: string }> {
    const response = await fetch(`${fixture.dataPlane.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: TEST_MODEL, stream, messages: [{ role: 'user', content: 'hi' }] }),
    });
    return { status: response.status, text: await response.text() };
  }

  const reflections = {
    whole: `Invalid request header "Authorization: Bearer ${PROVIDER_KEY}"`,
    cut: `key ${PROVIDER_KEY.slice(0, 24)}... is not allowed`,
  };

  test.each(Object.entries(reflections))('a 400 reflecting the key (%s) reaches the client without it', async (_, message) => {
    simulator.scenario = () => ({ rawStatus: 400, rawBody: JSON.stringify({ error: { message, type: 'invalid_request_error' } }) });
    const answer = await chat(false);
    expect(simulator.requests.at(-1)!.headers.authorization).toBe(`Bearer ${PROVIDER_KEY}`);
    expect(answer.status).toBe(400);
    expect(answer.text).toContain('[redacted]');
    expect(answer.text).not.toContain(PROVIDER_KEY.slice(0, 16));
  });

  test('a 401 refusing the reflected key: the refusal says so without the key', async () => {
    simulator.scenario = () => ({ rawStatus: 401, rawBody: JSON.stringify({ error: { message: `Incorrect API key provided: ${PROVIDER_KEY}` } }) });
    const answer = await chat(false);
    expect(answer.status).toBe(502);
    expect(answer.text).toContain('Incorrect API key provided: [redacted]');
    expect(answer.text).not.toContain(PROVIDER_KEY.slice(0, 16));
  });

  test('a streamed error frame reflecting the key reaches the client without it', async () => {
    const frame = `data: ${JSON.stringify({ error: { message: reflections.whole, type: 'server_error' } })}\n\n`;
    simulator.scenario = () => ({ rawBody: frame, headers: { 'content-type': 'text/event-stream' } });
    const answer = await chat(true);
    expect(answer.status).toBe(200);
    expect(answer.text).toContain('[redacted]');
    expect(answer.text).not.toContain(PROVIDER_KEY.slice(0, 16));
  });
});
