// The simulator must satisfy the real Mistral SDK on its own, or tests through the gateway prove nothing.
import { Mistral } from '@mistralai/mistralai';
import { HTTPValidationError, MistralError } from '@mistralai/mistralai/models/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMistralSimulator, type MistralSimulator } from './mistral-simulator.ts';

describe('Mistral simulator against the Mistral SDK', () => {
  let simulator: MistralSimulator;
  let client: Mistral;
  beforeAll(async () => {
    simulator = await startMistralSimulator({ apiKey: 'mistral-key' });
    client = new Mistral({ apiKey: 'mistral-key', serverURL: simulator.url, retryConfig: { strategy: 'none' } });
  });
  afterAll(() => simulator.close());

  it('answers fim.complete with the fill and usage', async () => {
    const response = await client.fim.complete({ model: 'codestral-latest', prompt: 'def add(a, b):\n    return', suffix: '\n', maxTokens: 16 });
    expect(simulator.requests.at(-1)).toMatchObject({ path: '/v1/fim/completions', body: { model: 'codestral-latest', max_tokens: 16, stream: false } });
    expect(response.choices?.[0]?.message?.content).toBe('Fill: return');
    expect(response.usage).toMatchObject({ promptTokens: 4, completionTokens: 2, totalTokens: 6 });
  });

  it('streams fim.stream chunks the SDK reads to [DONE], usage on the last one', async () => {
    const stream = await client.fim.stream({ model: 'codestral-latest', prompt: 'x = 1\ny =' });
    let text = '';
    let usage: unknown = null;
    for await (const event of stream) {
      const delta = event.data.choices[0]?.delta.content;
      if (typeof delta === 'string') text += delta;
      if (event.data.usage) usage = event.data.usage;
    }
    expect(text).toBe('Fill: y =');
    expect(usage).toMatchObject({ promptTokens: 5, completionTokens: 3 });
  });

  it('answers chat.complete, and streams chat', async () => {
    const response = await client.chat.complete({ model: 'mistral-small-latest', messages: [{ role: 'user', content: 'hello there' }] });
    expect(response.choices[0]).toMatchObject({ message: { content: 'Echo: hello there' }, finishReason: 'stop' });
    let text = '';
    for await (const event of await client.chat.stream({ model: 'mistral-small-latest', messages: [{ role: 'user', content: 'one two' }] })) {
      text += (event.data.choices[0]?.delta.content as string | undefined) ?? '';
    }
    expect(text).toBe('Echo: one two');
  });

  it('sends the 401, 422 and 429 shapes the SDK recognises', async () => {
    const stranger = new Mistral({ apiKey: 'wrong', serverURL: simulator.url, retryConfig: { strategy: 'none' } });
    const unauthorized = await stranger.fim.complete({ model: 'codestral-latest', prompt: 'x' }).catch((error: unknown) => error);
    expect(unauthorized).toBeInstanceOf(MistralError);
    expect(unauthorized).toMatchObject({ statusCode: 401, body: '{"message":"Unauthorized","request_id":"req-simulated"}' });

    simulator.scenario = () => ({ status: 422 });
    const invalid = await client.fim.complete({ model: 'codestral-latest', prompt: 'x' }).catch((error: unknown) => error);
    expect(invalid).toBeInstanceOf(HTTPValidationError);
    // The SDK types it by status only: Mistral nests the report under `message`, where it looks for `detail`.
    expect(JSON.parse((invalid as HTTPValidationError).body)).toMatchObject({ object: 'error', message: { detail: [{ loc: ['body', 'temperature'] }] } });

    simulator.scenario = () => ({ status: 429 });
    const limited = await client.chat.complete({ model: 'm', messages: [{ role: 'user', content: 'x' }] }).catch((error: unknown) => error);
    expect(limited).toMatchObject({ statusCode: 429 });
    expect(JSON.parse((limited as MistralError).body)).toEqual({
      object: 'error',
      message: 'Rate limit exceeded',
      type: 'rate_limited',
      param: null,
      code: '1300',
    });
    simulator.scenario = () => ({});
  });

  it('rejects fields Mistral does not know and tool-call ids that are not 9 letters and digits', async () => {
    const extra = await fetch(`${simulator.baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer mistral-key', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x' }], stream_options: { include_usage: true } }),
    });
    expect(extra.status).toBe(422);
    expect(await extra.json()).toMatchObject({ message: { detail: [{ loc: ['body', 'stream_options'], msg: 'Extra inputs are not permitted' }] } });
    const badId = await fetch(`${simulator.baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer mistral-key', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: [{ role: 'tool', tool_call_id: 'call_123', content: '1' }] }),
    });
    expect(badId.status).toBe(400);
  });
});
