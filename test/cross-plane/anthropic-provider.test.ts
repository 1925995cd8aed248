// A provider of kind `anthropic`, created through the control plane's catalog (tRPC, as an admin),
// reaches the data plane in the snapshot; the official openai SDK then talks to `anthropic/…` and gets
// OpenAI-shaped answers translated from the Anthropic simulator, tool calls included, and each
// request lands as one usage row with Anthropic's tokens (cache reads and writes kept apart).
import { describe, expect, it } from 'vitest';
import { useGateway } from '../support/gateway-harness.ts';
import { useSimulatedProvider } from '../support/simulated-provider.ts';
import { testEngines } from '../support/test-database.ts';
import { askBriefly, failureOf, readFailingStream, streamWeatherQuestion } from '../support/chat-calls.ts';
import { flushedUsageRow, latestUsageRow } from '../support/usage-rows.ts';
import { weatherTool } from '../support/weather-tool.ts';

const MODEL = 'anthropic/claude-echo';
const UPSTREAM_KEY = 'sk-ant-cross-plane';

describe.each(testEngines)('Anthropic provider through the gateway (%s)', (engine) => {
  const gateway = useGateway(engine);
  const simulator = useSimulatedProvider(gateway, 'anthropic', { apiKey: UPSTREAM_KEY });

  it('translates a non-streamed completion and meters cache reads and writes', async () => {
    simulator.scenario = () => ({ cacheReadInputTokens: 100, cacheCreationInputTokens: 20 });
    const { data: completion, response } = await askBriefly(gateway, MODEL, 'Say hello to Claude');

    const upstream = simulator.requests.at(-1)!;
    expect(upstream.path).toBe('/v1/messages');
    expect(upstream.headers).toMatchObject({ 'x-api-key': UPSTREAM_KEY, 'anthropic-version': '2023-06-01' });
    expect(upstream.body).toEqual({
      model: 'claude-echo',
      max_tokens: 4096,
      system: [{ type: 'text', text: 'Be brief.' }],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Say hello to Claude' }] }],
    });
    expect(completion).toMatchObject({
      object: 'chat.completion',
      model: MODEL,
      choices: [{ index: 0, message: { role: 'assistant', content: 'Echo: Say hello to Claude' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 124, completion_tokens: 5, total_tokens: 129, prompt_tokens_details: { cached_tokens: 100 } },
    });
    expect(await flushedUsageRow(gateway, response)).toMatchObject({
      requestedModel: MODEL,
      servedModel: 'claude-echo',
      promptTokens: 124,
      completionTokens: 5,
      cacheReadTokens: 100,
      cacheWriteTokens: 20,
      usageEstimated: false,
      finishReason: 'stop',
      streamed: false,
      status: 200,
      // 4 × 3000 + 100 × 300 + 20 × 3750 + 5 × 15000 = 192,000 n$ = 192 µ$
      costMicros: 192n,
    });
  });

  it('returns tool calls from a non-streamed tool_use answer', async () => {
    simulator.scenario = () => ({ toolUse: { name: 'get_weather', input: { city: 'Paris' } } });
    const completion = await gateway.client().chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools: [weatherTool],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
    });
    expect(simulator.requests.at(-1)!.body).toMatchObject({ tool_choice: { type: 'tool', name: 'get_weather' }, tools: [{ name: 'get_weather' }] });
    expect(completion.choices[0]).toMatchObject({
      finish_reason: 'tool_calls',
      message: { content: 'Echo: Weather in Paris?', tool_calls: [{ type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
    });
  });

  it('streams text and a tool call the SDK assembles, with the usage chunk the client asked for', async () => {
    simulator.scenario = () => ({ toolUse: { name: 'get_weather', input: { city: 'Paris' } }, cacheReadInputTokens: 8 });
    const { final, chunks } = await streamWeatherQuestion(gateway, MODEL);

    expect(final.choices[0]).toMatchObject({
      finish_reason: 'tool_calls',
      message: {
        content: 'Echo: Weather in Paris please',
        tool_calls: [{ type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
      },
    });
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 12, completion_tokens: 6, prompt_tokens_details: { cached_tokens: 8 } } });
    const row = await latestUsageRow(gateway, MODEL);
    expect(row).toMatchObject({ promptTokens: 12, completionTokens: 6, cacheReadTokens: 8, finishReason: 'tool_calls', streamed: true, status: 200 });
    expect(row.ttftMs).not.toBeNull();
  });

  it('ends a stream that fails upstream with an error frame the SDK throws, and answers 529 as a retryable 503', async () => {
    simulator.scenario = () => ({ errorAfterChunks: 2 });
    const { received, error } = await readFailingStream(gateway, MODEL);
    expect(error).toMatchObject({ message: expect.stringContaining('Overloaded') });
    expect(received).toBe('Echo: one ');
    expect(await latestUsageRow(gateway, MODEL)).toMatchObject({ status: 200, errorCode: 'upstream_error', streamed: true });

    simulator.scenario = () => ({ status: 529, headers: { 'retry-after': '3' } });
    const failed = await failureOf(gateway.client().chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] }));
    expect(failed?.status).toBe(503);
    expect(failed?.headers.get('retry-after')).toBe('3');
  });
});
