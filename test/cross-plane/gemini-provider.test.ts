// A provider of kind `gemini`, created through the control plane's catalog (tRPC, as an admin), reaches
// the data plane in the snapshot; the official openai SDK then talks to `google-native/…` and gets
// OpenAI-shaped answers translated from the Gemini simulator (thoughts as `reasoning`, function calls as
// tool calls, the `\r\n\r\n`-framed stream without [DONE] ended with one), and each request lands as one
// usage row with Gemini's tokens (cached prompt tokens as cache reads, thoughts as reasoning).
import type OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { useGateway } from '../support/gateway-harness.ts';
import { useSimulatedProvider } from '../support/simulated-provider.ts';
import { testEngines } from '../support/test-database.ts';
import { askBriefly, failureOf, readFailingStream, streamWeatherQuestion } from '../support/chat-calls.ts';
import { flushedUsageRow, latestUsageRow } from '../support/usage-rows.ts';
import { weatherTool } from '../support/weather-tool.ts';

const MODEL = 'google-native/gemini-echo';
const UPSTREAM_KEY = 'AIza-cross-plane';

describe.each(testEngines)('Gemini provider through the gateway (%s)', (engine) => {
  const gateway = useGateway(engine);
  const simulator = useSimulatedProvider(gateway, 'gemini', { apiKey: UPSTREAM_KEY });

  it('translates a non-streamed completion with thoughts and meters cached and reasoning tokens', async () => {
    simulator.scenario = () => ({ thoughts: 'Greet them back.', cachedContentTokenCount: 2 });
    const { data: completion, response } = await askBriefly(gateway, MODEL, 'Say hello to Gemini');

    const upstream = simulator.requests.at(-1)!;
    expect(upstream.path).toBe('/v1beta/models/gemini-echo:generateContent');
    expect(upstream.headers['x-goog-api-key']).toBe(UPSTREAM_KEY);
    expect(upstream.body).toEqual({
      contents: [{ role: 'user', parts: [{ text: 'Say hello to Gemini' }] }],
      systemInstruction: { parts: [{ text: 'Be brief.' }] },
    });
    expect(completion).toMatchObject({
      object: 'chat.completion',
      model: MODEL,
      choices: [{ index: 0, message: { role: 'assistant', content: 'Echo: Say hello to Gemini', reasoning: 'Greet them back.' }, finish_reason: 'stop' }],
      usage: {
        prompt_tokens: 6,
        completion_tokens: 8,
        total_tokens: 14,
        prompt_tokens_details: { cached_tokens: 2 },
        completion_tokens_details: { reasoning_tokens: 3 },
      },
    });
    expect(await flushedUsageRow(gateway, response)).toMatchObject({
      requestedModel: MODEL,
      servedModel: 'gemini-echo',
      promptTokens: 6,
      completionTokens: 8,
      cacheReadTokens: 2,
      cacheWriteTokens: 0,
      reasoningTokens: 3,
      usageEstimated: false,
      finishReason: 'stop',
      streamed: false,
      status: 200,
      // 4 × 1000 + 2 × 500 + 8 × 10000 = 85,000 n$ = 85 µ$
      costMicros: 85n,
    });
  });

  it('returns tool calls for a named tool_choice, and sends the tool result back as a functionResponse', async () => {
    simulator.scenario = () => ({ functionCall: { name: 'get_weather', args: { city: 'Paris' } } });
    const question = { role: 'user' as const, content: 'Weather in Paris?' };
    const completion = await gateway.client().chat.completions.create({
      model: MODEL,
      messages: [question],
      tools: [weatherTool],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
    });
    expect(simulator.requests.at(-1)!.body).toMatchObject({
      tools: [{ functionDeclarations: [{ name: 'get_weather', parametersJsonSchema: weatherTool.function.parameters }] }],
      toolConfig: { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_weather'] } },
    });
    const message = completion.choices[0]!.message;
    expect(completion.choices[0]).toMatchObject({
      finish_reason: 'tool_calls',
      message: {
        content: 'Echo: Weather in Paris?',
        tool_calls: [{ id: 'call_0', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
      },
    });

    simulator.scenario = () => ({});
    const answer = await gateway.client().chat.completions.create({
      model: MODEL,
      messages: [question, message, { role: 'tool', tool_call_id: 'call_0', content: '18°C' }],
      tools: [weatherTool],
    });
    expect(simulator.requests.at(-1)!.body).toMatchObject({
      contents: [
        { role: 'user', parts: [{ text: 'Weather in Paris?' }] },
        // The simulator's thought signature made the round trip through `extra_content`.
        {
          role: 'model',
          parts: [{ text: 'Echo: Weather in Paris?' }, { functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: 'c2ltdWxhdG9y' }],
        },
        { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { output: '18°C' } } }] },
      ],
    });
    expect(answer.choices[0]).toMatchObject({ finish_reason: 'stop', message: { content: 'Echo: {"output":"18°C"}' } });
  });

  it('streams text and a tool call the SDK assembles, with the usage chunk the client asked for', async () => {
    simulator.scenario = () => ({ functionCall: { name: 'get_weather', args: { city: 'Paris' } }, cachedContentTokenCount: 1 });
    const { final, chunks } = await streamWeatherQuestion(gateway, MODEL);

    const upstream = simulator.requests.at(-1)!;
    expect(upstream).toMatchObject({ path: '/v1beta/models/gemini-echo:streamGenerateContent', query: { alt: 'sse' } });
    expect(upstream.responseText).not.toContain('[DONE]');
    expect(final.choices[0]).toMatchObject({
      finish_reason: 'tool_calls',
      message: {
        content: 'Echo: Weather in Paris please',
        tool_calls: [{ id: 'call_0', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
      },
    });
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 4, completion_tokens: 6, prompt_tokens_details: { cached_tokens: 1 } } });
    const row = await latestUsageRow(gateway, MODEL);
    expect(row).toMatchObject({ promptTokens: 4, completionTokens: 6, cacheReadTokens: 1, finishReason: 'tool_calls', streamed: true, status: 200 });
    expect(row.ttftMs).not.toBeNull();
  });

  it('streams thoughts as reasoning and ends with the [DONE] Gemini never sends, without a usage chunk unless asked', async () => {
    simulator.scenario = () => ({ thoughts: 'Repeat it.' });
    const response = await fetch(`${gateway.dataPlane!.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gateway.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, stream: true, messages: [{ role: 'user', content: 'one two' }] }),
    });
    const text = await response.text();
    const events = text.split('\n\n').filter(Boolean);
    expect(events.at(-1)).toBe('data: [DONE]');
    const chunks = events.slice(0, -1).map((event) => JSON.parse(event.slice('data: '.length)) as OpenAI.Chat.Completions.ChatCompletionChunk);
    expect(chunks.every((chunk) => chunk.choices.length === 1 && chunk.usage === undefined)).toBe(true);
    const deltas = chunks.map((chunk) => chunk.choices[0]!.delta as { content?: string; reasoning?: string });
    expect(deltas.map((delta) => delta.reasoning ?? '').join('')).toBe('Repeat it.');
    expect(deltas.map((delta) => delta.content ?? '').join('')).toBe('Echo: one two');
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('stop');
    expect(await flushedUsageRow(gateway, response)).toMatchObject({ promptTokens: 2, completionTokens: 5, reasoningTokens: 2, streamed: true, status: 200 });
  });

  it('ends a stream that fails upstream with an error frame the SDK throws, and answers 429 with retry-after from RetryInfo', async () => {
    simulator.scenario = () => ({ errorAfterChunks: 2 });
    const { received, error } = await readFailingStream(gateway, MODEL);
    expect(error).toMatchObject({ message: expect.stringContaining('The model is overloaded') });
    expect(received).toBe('Echo: one ');
    expect(await latestUsageRow(gateway, MODEL)).toMatchObject({ status: 200, errorCode: 'upstream_error', streamed: true });

    simulator.scenario = () => ({ status: 429, retryDelay: '12.5s' });
    const failed = await failureOf(gateway.client().chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] }));
    expect(failed?.status).toBe(429);
    expect(failed?.code).toBe('rate_limited');
    expect(failed?.headers.get('retry-after')).toBe('13');
  });
});
