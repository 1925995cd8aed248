// The simulator must satisfy the real openai SDK on its own, or tests through the gateway prove nothing.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAISimulator, type OpenAISimulator } from './openai-simulator.ts';

describe('OpenAI simulator against the openai SDK', () => {
  let simulator: OpenAISimulator;
  let client: OpenAI;
  beforeAll(async () => {
    simulator = await startOpenAISimulator();
    client = new OpenAI({ apiKey: 'sk-test', baseURL: simulator.baseUrl, maxRetries: 0 });
  });
  afterAll(() => simulator.close());

  it('answers a non-streamed completion with predictable text and usage', async () => {
    const completion = await client.chat.completions.create({
      model: 'echo',
      messages: [{ role: 'user', content: 'hello there world' }],
    });
    expect(completion.choices[0]?.message.content).toBe('Echo: hello there world');
    expect(completion.usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 });
  });

  it('streams chunks, a usage-only chunk when asked, and the SDK reassembles the text', async () => {
    const stream = await client.chat.completions.create({
      model: 'echo',
      messages: [{ role: 'user', content: 'one two' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usageChunk: OpenAI.Chat.Completions.ChatCompletionChunk | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.choices.length === 0) usageChunk = chunk;
    }
    expect(text).toBe('Echo: one two');
    expect(usageChunk?.usage).toMatchObject({ prompt_tokens: 2, completion_tokens: 3 });
  });

  it('turns a scenario status into an OpenAI error the SDK recognises', async () => {
    simulator.scenario = () => ({ status: 429, headers: { 'retry-after': '7' } });
    const error = await client.chat.completions.create({ model: 'echo', messages: [{ role: 'user', content: 'x' }] }).catch((caught: unknown) => caught);
    simulator.scenario = () => ({});
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect((error as InstanceType<typeof OpenAI.RateLimitError>).headers?.get('retry-after')).toBe('7');
  });
});
