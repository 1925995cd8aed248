// The OpenAI Responses API front door (`POST /v1/responses`), driven by real clients: the official
// openai SDK's `responses.create` (complete and streamed) and the Vercel AI SDK's default
// `createOpenAI(...)(id)` model (which calls /responses), against the OpenAI, Anthropic, Gemini and
// Mistral simulators. Answers, tool round trips and the usage rows must be what the same conversation
// gets through /chat/completions.
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, stepCountIs, streamText } from 'ai';
import type OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { useGateway, SIMULATOR_MODEL } from '../support/gateway-harness.ts';
import { useSimulatedProvider } from '../support/simulated-provider.ts';
import { testEngines } from '../support/test-database.ts';
import { anthropicCallsWeather, geminiCallsWeather, mistralCallsWeather, openAICallsWeather } from '../support/weather-call-scenarios.ts';
import { aiSdkWeatherTools } from '../support/weather-tool.ts';
import { readUsageRow } from '../support/usage-rows.ts';
import { RESPONSES_TEXT_CLOSING, RESPONSES_TEXT_OPENING } from '../../data-plane/src/testing/translate-stream.ts';

// The id as issue 6's quick-start spells it (the imported catalog says claude-sonnet-4-5), added here
// on the provider `anthropic`, which is pointed at the simulator.
const ANTHROPIC_MODEL = 'anthropic/claude-sonnet-4.5';
const GEMINI_MODEL = 'responses-gemini/gemini-echo';
const MISTRAL_MODEL = 'responses-mistral/mistral-echo';
// Served by the provider `openai`, which speaks the Responses API natively (pointed at its simulator).
const NATIVE_MODEL = 'openai/responses-echo';
const UPSTREAM_KEY = { anthropic: 'sk-ant-responses', gemini: 'AIza-responses', mistral: 'mistral-responses', openai: 'sk-openai-responses' };

type Upstream = 'openai' | 'anthropic' | 'gemini' | 'mistral';

/** What the OpenAI simulator says before its tool call (the others echo the question first). */
const OPENAI_PREAMBLE = 'Let me check.';

const weatherTool = {
  type: 'function' as const,
  name: 'get_weather',
  description: 'Weather by city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  strict: false,
};

describe.each(testEngines)('OpenAI Responses API through the gateway (%s)', (engine) => {
  const gateway = useGateway(engine);
  const anthropic = useSimulatedProvider(gateway, 'anthropic', {
    apiKey: UPSTREAM_KEY.anthropic,
    slug: 'anthropic',
    id: ANTHROPIC_MODEL,
    name: 'Claude Sonnet 4.5',
    upstreamModel: 'claude-sonnet-4-5',
    prices: { prompt: 3000, completion: 15000 },
  });
  const gemini = useSimulatedProvider(gateway, 'gemini', {
    apiKey: UPSTREAM_KEY.gemini,
    slug: 'responses-gemini',
    id: GEMINI_MODEL,
    prices: { prompt: 1000, completion: 10000 },
  });
  const mistral = useSimulatedProvider(gateway, 'mistral', { apiKey: UPSTREAM_KEY.mistral, slug: 'responses-mistral', id: MISTRAL_MODEL });
  const openaiResponses = useSimulatedProvider(gateway, 'openai-responses', { apiKey: UPSTREAM_KEY.openai, id: NATIVE_MODEL });

  const upstreams: Array<[Upstream, string, string]> = [
    ['openai', SIMULATOR_MODEL, 'simulator'],
    ['anthropic', ANTHROPIC_MODEL, 'anthropic'],
    ['gemini', GEMINI_MODEL, 'responses-gemini'],
    ['mistral', MISTRAL_MODEL, 'responses-mistral'],
  ];

  function resetScenarios(): void {
    gateway.simulator.scenario = () => ({});
    anthropic.scenario = () => ({});
    gemini.scenario = () => ({});
    mistral.scenario = () => ({});
  }

  /** The upstream says something, then calls get_weather({city:'Paris'}), until the request carries the tool's result. */
  function arrangeToolCall(upstream: Upstream): void {
    if (upstream === 'anthropic') anthropicCallsWeather(anthropic);
    else if (upstream === 'gemini') geminiCallsWeather(gemini);
    else if (upstream === 'mistral') mistralCallsWeather(mistral, 'W3athrCal');
    else openAICallsWeather(gateway.simulator, OPENAI_PREAMBLE);
  }

  /** The simulators echo the last user turn: OpenAI and Mistral the question, the others the tool result. */
  const toolRoundTripAnswer: Record<Upstream, string> = {
    openai: 'Echo: Weather in Paris?',
    mistral: 'Echo: Weather in Paris?',
    anthropic: 'Echo: {"city":"Paris","temperature":21}',
    gemini: 'Echo: {"output":"{\\"city\\":\\"Paris\\",\\"temperature\\":21}"}',
  };

  async function usageRowOf(response: Response) {
    await gateway.dataPlane!.flushUsage();
    return readUsageRow(gateway, response.headers.get('x-request-id')!);
  }

  /** A usage row without what differs between any two requests (ids, clock readings). */
  function rowForm(row: Awaited<ReturnType<typeof readUsageRow>>) {
    const volatile = new Set(['id', 'requestId', 'ttftMs', 'upstreamLatencyMs', 'totalLatencyMs', 'startedAt', 'finishedAt', 'createdAt', 'ingestedAt']);
    return Object.fromEntries(Object.entries(row).filter(([column]) => !volatile.has(column)));
  }

  describe.each(upstreams)('openai SDK responses.create on the %s upstream', (upstream, model, providerSlug) => {
    it('answers with a response object whose usage row matches the chat completion of the same prompt', async () => {
      resetScenarios();
      const client = gateway.client();
      const { data: response, response: http } = await client.responses
        .create({ model, input: 'Say hello to the gateway', instructions: 'Be brief.', metadata: { run: 'one' } })
        .withResponse();
      expect(http.headers.get('x-gateway-provider')).toBe(providerSlug);
      expect(response).toMatchObject({ object: 'response', status: 'completed', model, instructions: 'Be brief.', metadata: { run: 'one' }, error: null });
      expect(response.id).toMatch(/^resp_/);
      expect(response.output_text).toBe('Echo: Say hello to the gateway');
      expect(response.output).toMatchObject([
        { type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'Echo: Say hello to the gateway' }] },
      ]);
      const { data: chat, response: chatHttp } = await client.chat.completions
        .create({
          model,
          messages: [
            { role: 'system', content: 'Be brief.' },
            { role: 'user', content: 'Say hello to the gateway' },
          ],
        })
        .withResponse();
      expect(response.usage).toMatchObject({
        input_tokens: chat.usage!.prompt_tokens,
        output_tokens: chat.usage!.completion_tokens,
        total_tokens: chat.usage!.total_tokens,
        input_tokens_details: { cached_tokens: 0 },
        output_tokens_details: { reasoning_tokens: 0 },
      });
      const responsesRow = await usageRowOf(http);
      expect(responsesRow).toMatchObject({ requestedModel: model, status: 200, streamed: false, usageEstimated: false, finishReason: 'stop' });
      expect(rowForm(responsesRow)).toEqual(rowForm(await usageRowOf(chatHttp)));
      expect(http.headers.get('x-gateway-cost-microdollars')).toBe(String(responsesRow.costMicros));
      // The cost fields chat completions carry in `usage` ride along (exact microdollars as debited).
      expect(response.usage).toMatchObject({ cost_microdollars: Number(responsesRow.costMicros) });
    });

    it('streams the typed events with increasing sequence numbers, the text and the usage', async () => {
      resetScenarios();
      const client = gateway.client();
      const { data: stream, response: http } = await client.responses.create({ model, input: 'stream these four words', stream: true }).withResponse();
      const events: OpenAI.Responses.ResponseStreamEvent[] = [];
      for await (const event of stream) events.push(event);
      expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, index) => index));
      const types = events.map((event) => event.type);
      expect(types.slice(0, 5)).toEqual(RESPONSES_TEXT_OPENING);
      expect(types.slice(-5)).toEqual(['response.output_text.delta', ...RESPONSES_TEXT_CLOSING, 'response.completed']);
      const text = events.flatMap((event) => (event.type === 'response.output_text.delta' ? [event.delta] : [])).join('');
      expect(text).toBe('Echo: stream these four words');
      const completed = events.at(-1) as OpenAI.Responses.ResponseCompletedEvent;
      expect(completed.response).toMatchObject({ status: 'completed', model, usage: { input_tokens: 4, output_tokens: 5, total_tokens: 9 } });

      const { response: chatHttp } = await client.chat.completions
        .create({ model, messages: [{ role: 'user', content: 'stream these four words' }], stream: true })
        .withResponse();
      await chatHttp.text();
      const responsesRow = await usageRowOf(http);
      expect(responsesRow).toMatchObject({ streamed: true, status: 200, promptTokens: 4, completionTokens: 5, usageEstimated: false });
      expect(completed.response.usage).toMatchObject({ cost_microdollars: Number(responsesRow.costMicros) });
      expect(rowForm(responsesRow)).toEqual(rowForm(await usageRowOf(chatHttp)));
    });

    it('runs a function tool round trip with the returned output items sent back as input', async () => {
      arrangeToolCall(upstream);
      const client = gateway.client();
      const input: OpenAI.Responses.ResponseInput = [{ role: 'user', content: [{ type: 'input_text', text: 'Weather in Paris?' }] }];
      const first = await client.responses.create({ model, input, tools: [weatherTool] });
      const call = first.output.find((item) => item.type === 'function_call');
      expect(call).toMatchObject({ type: 'function_call', name: 'get_weather', status: 'completed' });
      expect(JSON.parse((call as OpenAI.Responses.ResponseFunctionToolCall).arguments)).toEqual({ city: 'Paris' });

      const second = await client.responses.create({
        model,
        input: [
          ...input,
          ...(first.output as OpenAI.Responses.ResponseInputItem[]),
          { type: 'function_call_output', call_id: (call as OpenAI.Responses.ResponseFunctionToolCall).call_id, output: '{"city":"Paris","temperature":21}' },
        ],
        tools: [weatherTool],
      });
      resetScenarios();
      expect(second.status).toBe('completed');
      expect(second.output_text).toBe(toolRoundTripAnswer[upstream]);
    });

    it('streams a tool call as function_call_arguments deltas, and responses.stream() builds the final response', async () => {
      arrangeToolCall(upstream);
      const stream = gateway.client().responses.stream({ model, input: 'Weather in Paris?', tools: [weatherTool] });
      const deltas: string[] = [];
      stream.on('response.function_call_arguments.delta', (event) => deltas.push(event.delta));
      const final = await stream.finalResponse();
      resetScenarios();
      const call = final.output.find((item) => item.type === 'function_call') as OpenAI.Responses.ResponseFunctionToolCall;
      expect(call).toMatchObject({ name: 'get_weather', status: 'completed' });
      expect(JSON.parse(deltas.join(''))).toEqual({ city: 'Paris' });
      expect(JSON.parse(call.arguments)).toEqual({ city: 'Paris' });
    });
  });

  it("refuses store: true and previous_response_id with a 400 in OpenAI's envelope", async () => {
    const client = gateway.client();
    await expect(client.responses.create({ model: SIMULATOR_MODEL, input: 'hi', store: true })).rejects.toMatchObject({
      status: 400,
      error: { type: 'invalid_request_error', param: 'store', message: expect.stringContaining('keeps no conversation state') },
    });
    await expect(client.responses.create({ model: SIMULATOR_MODEL, input: 'hi', previous_response_id: 'resp_123' })).rejects.toMatchObject({
      status: 400,
      error: { param: 'previous_response_id' },
    });
  });

  it("answers a bad key with 401 and an unknown model with 404, in OpenAI's envelope", async () => {
    await expect(gateway.client('sk-not-a-key').responses.create({ model: SIMULATOR_MODEL, input: 'hi' })).rejects.toMatchObject({ status: 401 });
    await expect(gateway.client().responses.create({ model: 'nobody/nothing', input: 'hi' })).rejects.toMatchObject({ status: 404, error: { param: 'model' } });
  });

  it('ends a stream that fails upstream after its first byte with response.failed, and meters it', async () => {
    anthropic.scenario = () => ({ errorAfterChunks: 1 });
    const { data: stream, response: http } = await gateway
      .client()
      .responses.create({ model: ANTHROPIC_MODEL, input: 'one two three four', stream: true })
      .withResponse();
    const events: OpenAI.Responses.ResponseStreamEvent[] = [];
    for await (const event of stream) events.push(event);
    resetScenarios();
    const failed = events.at(-1) as OpenAI.Responses.ResponseFailedEvent;
    expect(failed.type).toBe('response.failed');
    expect(failed.sequence_number).toBe(events.length - 1);
    expect(failed.response).toMatchObject({ status: 'failed', error: { message: expect.stringContaining('Overloaded') } });
    expect(events.some((event) => event.type === 'response.output_text.delta')).toBe(true);
    expect(await usageRowOf(http)).toMatchObject({ requestedModel: ANTHROPIC_MODEL, streamed: true, status: 200, errorCode: 'upstream_error' });
  });

  describe('native Responses upstream (the provider openai)', () => {
    it("sends the client's body to /v1/responses unstored and relays OpenAI's response object with the cost fields", async () => {
      openaiResponses.scenario = () => ({});
      const { data: response, response: http } = await gateway
        .client()
        .responses.create({ model: NATIVE_MODEL, input: 'Say hello natively', instructions: 'Be brief.', metadata: { run: 'native' } })
        .withResponse();
      expect(http.headers.get('x-gateway-provider')).toBe('openai');
      expect(response.id).toMatch(/^resp_sim/);
      // The requested id; OpenAI's gpt-responses-echo-2026-01-01 is the usage row's served model.
      expect(response).toMatchObject({ status: 'completed', model: NATIVE_MODEL, metadata: { run: 'native' }, store: false });
      expect(response.output_text).toBe('Echo: Say hello natively');
      const upstream = openaiResponses.requests.at(-1)!;
      expect(upstream.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY.openai}`);
      expect(upstream.body).toEqual({
        model: 'gpt-responses-echo',
        input: 'Say hello natively',
        instructions: 'Be brief.',
        metadata: { run: 'native' },
        store: false,
      });
      const row = await usageRowOf(http);
      // 'Be brief.' and the input: 5 words in; 'Echo: Say hello natively': 4 out.
      expect(row).toMatchObject({
        requestedModel: NATIVE_MODEL,
        servedModel: 'gpt-responses-echo-2026-01-01',
        promptTokens: 5,
        completionTokens: 4,
        finishReason: 'stop',
        status: 200,
        usageEstimated: false,
      });
      expect(response.usage).toMatchObject({ input_tokens: 5, output_tokens: 4, cost_microdollars: Number(row.costMicros) });
    });

    it("streams OpenAI's own events, and responses.stream() builds the final response", async () => {
      openaiResponses.scenario = () => ({});
      const stream = gateway.client().responses.stream({ model: NATIVE_MODEL, input: 'stream these four words' });
      const sequence: number[] = [];
      stream.on('event', (event) => sequence.push(event.sequence_number));
      const models = new Set<string>();
      stream.on('event', (event) => {
        if ('response' in event) models.add(event.response.model);
      });
      const final = await stream.finalResponse();
      expect(final.output_text).toBe('Echo: stream these four words');
      expect(final.id).toMatch(/^resp_sim/);
      expect(final.model).toBe(NATIVE_MODEL);
      expect(models).toEqual(new Set([NATIVE_MODEL]));
      expect(sequence).toEqual(sequence.map((_, index) => index));
      expect(openaiResponses.requests.at(-1)!.body).toMatchObject({ stream: true, store: false });
      await gateway.dataPlane!.flushUsage();
      const row = await gateway.controlPlane!.prisma.usageRecord.findFirstOrThrow({
        where: { requestedModel: NATIVE_MODEL, streamed: true },
        orderBy: { id: 'desc' },
      });
      expect(row).toMatchObject({ promptTokens: 4, completionTokens: 5, status: 200, finishReason: 'stop', usageEstimated: false });
    });

    it('ends a stream the upstream dropped with an error event numbered after the last one relayed', async () => {
      // The upstream drops the connection once the client saw the first delta (so it was relayed).
      let clientSawDelta!: () => void;
      const dropWhen = new Promise<void>((resolve) => (clientSawDelta = resolve));
      openaiResponses.scenario = () => ({ dropAfterChunks: 1, dropWhen });
      const { data: stream, response: http } = await gateway
        .client()
        .responses.create({ model: NATIVE_MODEL, input: 'one two three', stream: true })
        .withResponse();
      const events: OpenAI.Responses.ResponseStreamEvent[] = [];
      for await (const event of stream) {
        events.push(event);
        if (event.type === 'response.output_text.delta') clientSawDelta();
      }
      openaiResponses.scenario = () => ({});
      expect(events.map((event) => event.type)).toEqual([...RESPONSES_TEXT_OPENING, 'error']);
      expect(events.at(-1)).toMatchObject({ type: 'error', sequence_number: 5 });
      expect(await usageRowOf(http)).toMatchObject({ requestedModel: NATIVE_MODEL, streamed: true, status: 200, errorCode: expect.any(String) });
    });
  });

  describe('Vercel AI SDK createOpenAI(...)(id), which calls /responses', () => {
    it('streams the quick-start through the gateway to the Anthropic simulator', async () => {
      resetScenarios();
      const baseURL = `${gateway.dataPlane!.url}/v1`;
      const apiKey = gateway.apiKey;
      // Issue 6's quick-start (the README's, with its model id), verbatim apart from base URL and key.
      const result = streamText({
        model: createOpenAI({ baseURL, apiKey })('anthropic/claude-sonnet-4.5'),
        prompt: 'Invent a new holiday and describe its traditions.',
      });
      let text = '';
      for await (const delta of result.textStream) text += delta;
      expect(text).toBe('Echo: Invent a new holiday and describe its traditions.');
      expect(await result.finishReason).toBe('stop');
      expect(await result.usage).toMatchObject({ inputTokens: 8, outputTokens: 9, totalTokens: 17 });
      const upstreamRequest = anthropic.requests.at(-1)!;
      expect(upstreamRequest.body).toMatchObject({
        model: 'claude-sonnet-4-5',
        stream: true,
        messages: [{ role: 'user', content: [{ type: 'text', text: 'Invent a new holiday and describe its traditions.' }] }],
      });
    });

    /** The body of the last request the upstream got, as JSON text. */
    function lastUpstreamBody(upstream: 'openai' | 'anthropic' | 'gemini'): string {
      const recorded = upstream === 'openai' ? gateway.simulator.requests : upstream === 'anthropic' ? anthropic.requests : gemini.requests;
      return JSON.stringify(recorded.at(-1)!.body);
    }

    /** The quick-start's model, recording each body the AI SDK sends the gateway. */
    function recordedModel(model: string, sent: Array<{ input: Array<Record<string, unknown>>; store?: unknown }>) {
      const recordingFetch: typeof fetch = async (url, init) => {
        sent.push(JSON.parse(String(init?.body)));
        return fetch(url, init);
      };
      return createOpenAI({ baseURL: `${gateway.dataPlane!.url}/v1`, apiKey: gateway.apiKey, fetch: recordingFetch })(model);
    }

    /**
     * The second request refers to the first step's text by the id the gateway gave it (the AI SDK's
     * store defaults to true, and it sends no `store` field), and the upstream got that text back.
     */
    function expectReferencedText(
      upstream: 'openai' | 'anthropic' | 'gemini',
      sent: Array<{ input: Array<Record<string, unknown>>; store?: unknown }>,
      firstText: string,
    ) {
      expect(firstText).toBe(upstream === 'openai' ? OPENAI_PREAMBLE : 'Echo: Weather in Paris?');
      expect(sent).toHaveLength(2);
      expect(sent.every((body) => !('store' in body))).toBe(true);
      expect(sent[1]!.input.filter((item) => item.type === 'item_reference')).toEqual([{ type: 'item_reference', id: expect.stringMatching(/^msg_/) }]);
      expect(lastUpstreamBody(upstream)).toContain(JSON.stringify(firstText));
    }

    it.each<['openai' | 'anthropic' | 'gemini', string]>([
      ['openai', SIMULATOR_MODEL],
      ['anthropic', ANTHROPIC_MODEL],
      ['gemini', GEMINI_MODEL],
    ])('generateText runs a tool round trip on the %s upstream, its text sent back by reference', async (upstream, model) => {
      arrangeToolCall(upstream);
      const calls: Array<{ city: string }> = [];
      const sent: Array<{ input: Array<Record<string, unknown>> }> = [];
      // The quick-start as it is: no providerOptions.
      const result = await generateText({
        model: recordedModel(model, sent),
        prompt: 'Weather in Paris?',
        tools: aiSdkWeatherTools(calls),
        stopWhen: stepCountIs(2),
        maxRetries: 0,
      });
      resetScenarios();
      expect(calls).toEqual([{ city: 'Paris' }]);
      expect(result.steps).toHaveLength(2);
      expect(result.steps[0]!.finishReason).toBe('tool-calls');
      expect(result.finishReason).toBe('stop');
      expect(result.text).toBe(toolRoundTripAnswer[upstream]);
      expectReferencedText(upstream, sent, result.steps[0]!.text);
    });

    it.each<['openai' | 'anthropic' | 'gemini', string]>([
      ['openai', SIMULATOR_MODEL],
      ['anthropic', ANTHROPIC_MODEL],
      ['gemini', GEMINI_MODEL],
    ])('streamText runs a tool round trip on the %s upstream, its streamed text sent back by reference', async (upstream, model) => {
      arrangeToolCall(upstream);
      const calls: Array<{ city: string }> = [];
      const sent: Array<{ input: Array<Record<string, unknown>> }> = [];
      const result = streamText({
        model: recordedModel(model, sent),
        prompt: 'Weather in Paris?',
        tools: aiSdkWeatherTools(calls),
        stopWhen: stepCountIs(2),
        maxRetries: 0,
      });
      let text = '';
      for await (const delta of result.textStream) text += delta;
      const steps = await result.steps;
      resetScenarios();
      expect(calls).toEqual([{ city: 'Paris' }]);
      expect(steps).toHaveLength(2);
      expect(steps[0]!.finishReason).toBe('tool-calls');
      expect(await result.finishReason).toBe('stop');
      expect(text).toBe(steps[0]!.text + toolRoundTripAnswer[upstream]);
      expectReferencedText(upstream, sent, steps[0]!.text);
    });

    it('a reference to an item the gateway cannot rebuild gets a 400 naming it', async () => {
      const model = createOpenAI({ baseURL: `${gateway.dataPlane!.url}/v1`, apiKey: gateway.apiKey })(ANTHROPIC_MODEL);
      const run = generateText({
        model,
        messages: [
          { role: 'user', content: 'Weather in Paris?' },
          { role: 'assistant', content: [{ type: 'text', text: 'Sunny.', providerOptions: { openai: { itemId: 'msg_stored_elsewhere' } } }] },
          { role: 'user', content: 'And tomorrow?' },
        ],
        maxRetries: 0,
      });
      await expect(run).rejects.toMatchObject({
        statusCode: 400,
        message: expect.stringContaining('"msg_stored_elsewhere", which the gateway cannot rebuild'),
      });
    });
  });
});
