// Real client libraries, pointed at the data plane as a user would point them at OpenAI: the Vercel AI
// SDK (`@ai-sdk/openai` chat models, `@ai-sdk/openai-compatible`), the OpenRouter AI SDK provider and
// the openai SDK. Each talks to models served by the OpenAI, Anthropic and Gemini simulators (the
// latter two created through the control plane's catalog) and must get the answers, tool round trips
// and usage a user expects; one conversation moves across all three upstreams and each upstream must
// receive the earlier turns in its own wire format.
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { createOpenRouter } from '@openrouter/ai-sdk-provider';
import { generateText, stepCountIs, streamText } from 'ai';
import type OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { useGateway, SIMULATOR_MODEL } from '../support/gateway-harness.ts';
import { useSimulatedProvider } from '../support/simulated-provider.ts';
import { testEngines } from '../support/test-database.ts';
import { anthropicCallsWeather, geminiCallsWeather } from '../support/weather-call-scenarios.ts';
import { aiSdkWeatherTools, weatherTool } from '../support/weather-tool.ts';

const ANTHROPIC_MODEL = 'anthropic/claude-echo';
const GEMINI_MODEL = 'google-native/gemini-echo';

type Upstream = 'openai' | 'anthropic' | 'gemini';

describe.each(testEngines)('real clients through the gateway (%s)', (engine) => {
  const gateway = useGateway(engine);
  const anthropic = useSimulatedProvider(gateway, 'anthropic', { apiKey: 'sk-ant-real-clients' });
  const gemini = useSimulatedProvider(gateway, 'gemini', { apiKey: 'AIza-real-clients' });

  const baseURL = () => `${gateway.dataPlane!.url}/v1`;
  const aiSdkOpenAI = () => createOpenAI({ baseURL: baseURL(), apiKey: gateway.apiKey });

  /** Makes the upstream behind `upstream` call get_weather({city:'Paris'}) until the request carries a tool result. */
  function arrangeToolCall(upstream: Upstream): void {
    if (upstream === 'anthropic') anthropicCallsWeather(anthropic);
    else if (upstream === 'gemini') geminiCallsWeather(gemini);
    else {
      // The OpenAI simulator has no tool-call hook: answer the first request with a hand-written completion.
      gateway.simulator.scenario = (body) => {
        if ((body.messages ?? []).some((message) => message.role === 'tool')) return {};
        if (body.stream === true) {
          const chunk = (delta: unknown, finish: string | null) =>
            `data: ${JSON.stringify({ id: 'chatcmpl-sim-tool', object: 'chat.completion.chunk', created: 1_764_000_000, model: 'echo', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
          return {
            headers: { 'content-type': 'text/event-stream' },
            rawBody:
              chunk(
                {
                  role: 'assistant',
                  content: null,
                  tool_calls: [{ index: 0, id: 'call_sim_1', type: 'function', function: { name: 'get_weather', arguments: '' } }],
                },
                null,
              ) +
              chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }, null) +
              chunk({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }, null) +
              chunk({}, 'tool_calls') +
              'data: [DONE]\n\n',
          };
        }
        return {
          rawBody: JSON.stringify({
            id: 'chatcmpl-sim-tool',
            object: 'chat.completion',
            created: 1_764_000_000,
            model: 'echo',
            choices: [
              {
                index: 0,
                message: {
                  role: 'assistant',
                  content: null,
                  tool_calls: [{ id: 'call_sim_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
                },
                finish_reason: 'tool_calls',
              },
            ],
            usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 },
          }),
        };
      };
    }
  }

  /** The simulators echo the last user turn: the OpenAI one the prompt, the others the tool result in their own shape. */
  const toolRoundTripAnswer: Record<Upstream, string> = {
    openai: 'Echo: Weather in Paris?',
    anthropic: 'Echo: {"city":"Paris","temperature":21}',
    gemini: 'Echo: {"output":"{\\"city\\":\\"Paris\\",\\"temperature\\":21}"}',
  };

  /** The second step's upstream request carries the call and the executed tool's result in the upstream's own format. */
  function expectToolResultOnTheWire(upstream: Upstream): void {
    const result = '{"city":"Paris","temperature":21}';
    if (upstream === 'openai') {
      expect((gateway.simulator.requests.at(-1)!.body as { messages: unknown[] }).messages).toMatchObject([
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', tool_calls: [{ id: 'call_sim_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
        { role: 'tool', tool_call_id: 'call_sim_1', content: result },
      ]);
    } else if (upstream === 'anthropic') {
      const { messages } = anthropic.requests.at(-1)!.body as { messages: Array<{ content: Array<{ id?: string }> }> };
      const toolUseId = messages[1]!.content[1]!.id;
      expect(messages).toEqual([
        { role: 'user', content: [{ type: 'text', text: 'Weather in Paris?' }] },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Echo: Weather in Paris?' },
            { type: 'tool_use', id: toolUseId, name: 'get_weather', input: { city: 'Paris' } },
          ],
        },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: toolUseId, content: result }] },
      ]);
    } else {
      expect((gemini.requests.at(-1)!.body as { contents: unknown[] }).contents).toEqual([
        { role: 'user', parts: [{ text: 'Weather in Paris?' }] },
        { role: 'model', parts: [{ text: 'Echo: Weather in Paris?' }, { functionCall: { name: 'get_weather', args: { city: 'Paris' } } }] },
        { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { output: result } } }] },
      ]);
    }
  }

  function resetScenarios(): void {
    gateway.simulator.scenario = () => ({});
    anthropic.scenario = () => ({});
    gemini.scenario = () => ({});
  }

  const models: Array<[Upstream, string]> = [
    ['openai', SIMULATOR_MODEL],
    ['anthropic', ANTHROPIC_MODEL],
    ['gemini', GEMINI_MODEL],
  ];

  describe.each(models)('Vercel AI SDK createOpenAI().chat() on the %s upstream', (upstream, model) => {
    it('generateText answers with the upstream text and its usage', async () => {
      resetScenarios();
      const result = await generateText({ model: aiSdkOpenAI().chat(model), prompt: 'Say hello to the gateway', maxRetries: 0 });
      expect(result.text).toBe('Echo: Say hello to the gateway');
      expect(result.finishReason).toBe('stop');
      // Every simulator counts whitespace-separated words: 5 in, 6 out.
      expect(result.usage).toMatchObject({ inputTokens: 5, outputTokens: 6, totalTokens: 11 });
    });

    it('generateText runs a tool round trip: the tool executes and the model answers from its result', async () => {
      arrangeToolCall(upstream);
      const calls: Array<{ city: string }> = [];
      const result = await generateText({
        model: aiSdkOpenAI().chat(model),
        prompt: 'Weather in Paris?',
        tools: aiSdkWeatherTools(calls),
        stopWhen: stepCountIs(2),
        maxRetries: 0,
      });
      resetScenarios();

      expect(calls).toEqual([{ city: 'Paris' }]);
      expect(result.steps).toHaveLength(2);
      expect(result.steps[0]!.finishReason).toBe('tool-calls');
      expect(result.steps[0]!.toolCalls).toMatchObject([{ toolName: 'get_weather', input: { city: 'Paris' } }]);
      expect(result.steps[0]!.toolResults).toMatchObject([{ toolName: 'get_weather', output: { city: 'Paris', temperature: 21 } }]);
      expect(result.finishReason).toBe('stop');
      expect(result.text).toBe(toolRoundTripAnswer[upstream]);
      expectToolResultOnTheWire(upstream);
    });

    it('streamText runs a tool round trip from streamed tool-call deltas', async () => {
      arrangeToolCall(upstream);
      const result = streamText({
        model: aiSdkOpenAI().chat(model),
        prompt: 'Weather in Paris?',
        tools: aiSdkWeatherTools(),
        stopWhen: stepCountIs(2),
        maxRetries: 0,
      });
      const toolCalls: unknown[] = [];
      for await (const part of result.fullStream) {
        if (part.type === 'tool-call') toolCalls.push({ toolName: part.toolName, input: part.input });
        if (part.type === 'error') throw part.error;
      }
      resetScenarios();
      expect(toolCalls).toEqual([{ toolName: 'get_weather', input: { city: 'Paris' } }]);
      expect(await result.steps).toHaveLength(2);
      expect(await result.text).toBe(toolRoundTripAnswer[upstream]);
      expect(await result.finishReason).toBe('stop');
      expectToolResultOnTheWire(upstream);
    });

    it('streamText streams the text and reports usage', async () => {
      resetScenarios();
      const result = streamText({ model: aiSdkOpenAI().chat(model), prompt: 'stream these four words', maxRetries: 0 });
      let text = '';
      for await (const delta of result.textStream) text += delta;
      expect(text).toBe('Echo: stream these four words');
      expect(await result.usage).toMatchObject({ inputTokens: 4, outputTokens: 5, totalTokens: 9 });
      expect(await result.finishReason).toBe('stop');
    });
  });

  it.each(models)('@ai-sdk/openai-compatible streamText with includeUsage on the %s upstream gets the text and the exact usage', async (_upstream, model) => {
    resetScenarios();
    const provider = createOpenAICompatible({ name: 'gateway', baseURL: baseURL(), apiKey: gateway.apiKey, includeUsage: true });
    const result = streamText({ model: provider(model), prompt: 'stream these four words', maxRetries: 0 });
    let text = '';
    for await (const delta of result.textStream) text += delta;
    expect(text).toBe('Echo: stream these four words');
    // The OpenAI simulator counts whitespace-separated words: 4 in, 5 out.
    expect(await result.usage).toMatchObject({ inputTokens: 4, outputTokens: 5, totalTokens: 9 });
  });

  it.each(models)('@openrouter/ai-sdk-provider (strict) streamText on the %s upstream gets the text and the usage', async (_upstream, model) => {
    resetScenarios();
    const openrouter = createOpenRouter({ baseURL: baseURL(), apiKey: gateway.apiKey, compatibility: 'strict' });
    const result = streamText({ model: openrouter.chat(model), prompt: 'stream these four words', maxRetries: 0 });
    let text = '';
    for await (const delta of result.textStream) text += delta;
    expect(text).toBe('Echo: stream these four words');
    expect(await result.usage).toMatchObject({ inputTokens: 4, outputTokens: 5 });
    expect(await result.finishReason).toBe('stop');
  });

  it('openai SDK: one conversation moves from Anthropic (tool call) to Gemini (tool result) to OpenAI, each upstream seeing the earlier turns in its own format', async () => {
    resetScenarios();
    const client = gateway.client();
    const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Weather in Paris?' },
    ];

    // Leg 1: Anthropic answers with text and a tool call.
    anthropic.scenario = () => ({ toolUse: { name: 'get_weather', input: { city: 'Paris' } } });
    const first = await client.chat.completions.create({ model: ANTHROPIC_MODEL, messages, tools: [weatherTool] });
    const firstMessage = first.choices[0]!.message;
    expect(first.choices[0]!.finish_reason).toBe('tool_calls');
    expect(firstMessage.content).toBe('Echo: Weather in Paris?');
    const toolCall = firstMessage.tool_calls![0]! as OpenAI.Chat.Completions.ChatCompletionMessageFunctionToolCall;
    expect(toolCall.function).toEqual({ name: 'get_weather', arguments: '{"city":"Paris"}' });
    expect(toolCall.id).toBeTruthy();

    // Leg 2: the tool result and the history continue on Gemini.
    messages.push({ role: 'assistant', content: firstMessage.content, tool_calls: firstMessage.tool_calls });
    messages.push({ role: 'tool', tool_call_id: toolCall.id, content: '{"temperature":21}' });
    gemini.scenario = () => ({});
    const second = await client.chat.completions.create({ model: GEMINI_MODEL, messages, tools: [weatherTool] });
    expect(second.choices[0]!.finish_reason).toBe('stop');
    const secondText = second.choices[0]!.message.content!;
    // Gemini's functionResponse.response must be an object: the tool's text travels as `output`.
    expect(secondText).toBe('Echo: {"output":"{\\"temperature\\":21}"}');

    const geminiBody = gemini.requests.at(-1)!.body as { systemInstruction?: unknown; contents: unknown[] };
    expect(geminiBody.systemInstruction).toMatchObject({ parts: [{ text: 'Be brief.' }] });
    expect(geminiBody.contents).toMatchObject([
      { role: 'user', parts: [{ text: 'Weather in Paris?' }] },
      { role: 'model', parts: [{ text: 'Echo: Weather in Paris?' }, { functionCall: { name: 'get_weather', args: { city: 'Paris' } } }] },
      { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { output: '{"temperature":21}' } } }] },
    ]);

    // Leg 3: finished on the OpenAI simulator.
    messages.push({ role: 'assistant', content: secondText });
    messages.push({ role: 'user', content: 'Thanks, and tomorrow?' });
    const third = await client.chat.completions.create({ model: SIMULATOR_MODEL, messages });
    expect(third.choices[0]!.message.content).toBe('Echo: Thanks, and tomorrow?');
    expect(third.choices[0]!.finish_reason).toBe('stop');

    const openaiBody = gateway.simulator.requests.at(-1)!.body as { model: string; messages: unknown[] };
    expect(openaiBody.model).toBe('echo');
    expect(openaiBody.messages).toMatchObject([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Weather in Paris?' },
      {
        role: 'assistant',
        content: 'Echo: Weather in Paris?',
        tool_calls: [{ id: toolCall.id, type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
      },
      { role: 'tool', tool_call_id: toolCall.id, content: '{"temperature":21}' },
      { role: 'assistant', content: secondText },
      { role: 'user', content: 'Thanks, and tomorrow?' },
    ]);

    // The Anthropic leg received the opening turns as Anthropic Messages.
    expect(anthropic.requests.at(-1)!.body).toMatchObject({
      model: 'claude-echo',
      system: [{ type: 'text', text: 'Be brief.' }],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Weather in Paris?' }] }],
      tools: [{ name: 'get_weather' }],
    });
  });
});
