// The real @anthropic-ai/sdk (1.x: Bearer auth) accepts what the Anthropic simulator sends: messages,
// streams (event framing, ping, cumulative usage), tool use and the 529 envelope.
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAnthropicSimulator, type AnthropicSimulator } from './anthropic-simulator.ts';

const API_KEY = 'sk-ant-simulator';
const weatherTool = {
  name: 'get_weather',
  description: 'Weather by city',
  input_schema: { type: 'object' as const, properties: { city: { type: 'string' } } },
};

describe('Anthropic simulator with @anthropic-ai/sdk', () => {
  let simulator: AnthropicSimulator;
  let client: Anthropic;
  beforeAll(async () => {
    simulator = await startAnthropicSimulator({ apiKey: API_KEY });
    client = new Anthropic({ apiKey: API_KEY, baseURL: simulator.url, maxRetries: 0 });
  });
  afterAll(() => simulator?.close());

  it('answers messages.create with the echo and its usage', async () => {
    simulator.scenario = () => ({ cacheReadInputTokens: 7 });
    const message = await client.messages.create({ model: 'claude-echo', max_tokens: 64, messages: [{ role: 'user', content: 'hello there' }] });
    expect(message.content).toEqual([{ type: 'text', text: 'Echo: hello there' }]);
    expect(message).toMatchObject({ stop_reason: 'end_turn', usage: { input_tokens: 2, output_tokens: 3, cache_read_input_tokens: 7 } });
    expect(simulator.requests.at(-1)?.headers.authorization).toBe(`Bearer ${API_KEY}`);
  });

  it('streams a message the SDK assembles, keeping the cumulative usage', async () => {
    simulator.scenario = () => ({ cacheCreationInputTokens: 5 });
    const message = await client.messages
      .stream({ model: 'claude-echo', max_tokens: 64, messages: [{ role: 'user', content: 'one two three' }] })
      .finalMessage();
    expect(message.content).toMatchObject([{ type: 'text', text: 'Echo: one two three' }]);
    expect(message.usage).toMatchObject({ input_tokens: 3, output_tokens: 4, cache_creation_input_tokens: 5 });
    const sent = simulator.requests.at(-1)!.responseText;
    expect(sent).toContain('event: ping\ndata: {"type":"ping"}\n\n');
    expect(sent.startsWith('event: message_start\ndata: {"type":"message_start"')).toBe(true);
  });

  it('answers with tool use, streamed and not', async () => {
    simulator.scenario = () => ({ toolUse: { name: 'get_weather', input: { city: 'Paris' } } });
    const request = { model: 'claude-echo', max_tokens: 64, tools: [weatherTool], messages: [{ role: 'user' as const, content: 'weather?' }] };
    const created = await client.messages.create(request);
    const streamed = await client.messages.stream(request).finalMessage();
    for (const message of [created, streamed]) {
      expect(message.stop_reason).toBe('tool_use');
      expect(message.content[1]).toMatchObject({ type: 'tool_use', name: 'get_weather', input: { city: 'Paris' } });
    }
  });

  it('accepts x-api-key, refuses a wrong key, and answers 529 as OverloadedError', async () => {
    const viaHeader = await fetch(`${simulator.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': API_KEY, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-echo', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(viaHeader.status).toBe(200);
    simulator.scenario = () => ({});
    const wrongKey = new Anthropic({ apiKey: 'nope', baseURL: simulator.url, maxRetries: 0 });
    await expect(wrongKey.messages.create({ model: 'claude-echo', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] })).rejects.toBeInstanceOf(
      Anthropic.AuthenticationError,
    );
    simulator.scenario = () => ({ status: 529 });
    await expect(client.messages.create({ model: 'claude-echo', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] })).rejects.toBeInstanceOf(
      Anthropic.OverloadedError,
    );
  });
});
