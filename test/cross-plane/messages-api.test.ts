// The Anthropic Messages API front door, driven by the official `@anthropic-ai/sdk` as a Claude-based tool
// would drive Anthropic: `messages.create` and `messages.stream().finalMessage()`, with a tool_use →
// tool_result round trip, against every provider simulator: Anthropic natively (the client's body goes
// upstream as it came, the answer comes back as Anthropic's bytes), OpenAI, Gemini and Mistral translated.
// Each request is metered like a chat completion of the same conversation (same columns, same tokens and
// cost); errors come in Anthropic's envelope; count_tokens answers from the gateway's estimator.
import Anthropic from '@anthropic-ai/sdk';
import { createTRPCClient, httpLink } from '@trpc/client';
import { beforeAll, describe, expect, it } from 'vitest';
import { addCatalogModel } from '../support/add-catalog-model.ts';
import { askBriefly } from '../support/chat-calls.ts';
import { useGateway, SIMULATOR_MODEL } from '../support/gateway-harness.ts';
import { anthropicCallsWeather, geminiCallsWeather, mistralCallsWeather, openAICallsWeather } from '../support/weather-call-scenarios.ts';
import { testEngines } from '../support/test-database.ts';
import { useSimulatedProvider, platformKeyEnv } from '../support/simulated-provider.ts';
import { readUsageRow } from '../support/usage-rows.ts';
import type { AppRouter } from '../../control-plane/src/trpc/routers/_app.ts';

/** Served by the Anthropic simulator first, then by the OpenAI one. */
const FALLBACK_MODEL = 'fallback/claude-then-echo';

type Upstream = 'anthropic' | 'openai' | 'gemini' | 'mistral';
const MODELS: Record<Upstream, string> = {
  anthropic: 'anthropic/claude-echo',
  openai: SIMULATOR_MODEL,
  gemini: 'google-native/gemini-echo',
  mistral: 'mistral/mistral-echo',
};
const UPSTREAMS = Object.keys(MODELS) as Upstream[];

const weatherTool: Anthropic.Tool = {
  name: 'get_weather',
  description: 'Weather by city',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};
const WEATHER = '{"city":"Paris","temperature":21}';

/** A usage row's columns with what kind of value each holds (null, string, bigint, ...). */
function columnsOf(row: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(row).map(([column, value]) => [column, value === null ? 'null' : value instanceof Date ? 'date' : typeof value]));
}

describe.each(testEngines)('Anthropic Messages API through the gateway (%s)', (engine) => {
  const gateway = useGateway(engine);
  const anthropic = useSimulatedProvider(gateway, 'anthropic', { apiKey: 'sk-ant-messages' });
  const gemini = useSimulatedProvider(gateway, 'gemini', { apiKey: 'AIza-messages' });
  const mistral = useSimulatedProvider(gateway, 'mistral', { apiKey: 'mistral-messages' });

  beforeAll(async () => {
    // Disabled until its second endpoint exists, so the data plane never sees it with one.
    const admin = createTRPCClient<AppRouter>({
      links: [httpLink({ url: `${gateway.controlPlane!.url}/trpc`, headers: { authorization: `Bearer ${gateway.controlPlane!.adminToken}` } })],
    });
    await admin.catalog.upsertModel.mutate({
      id: FALLBACK_MODEL,
      name: 'Claude, then echo',
      enabled: false,
      endpoint: { providerSlug: 'simulator', upstreamModel: 'echo', priority: 1, prices: { prompt: 1000, completion: 2000 } },
    });
    await addCatalogModel(
      gateway,
      { slug: 'anthropic-simulator', kind: 'anthropic', baseUrl: anthropic.baseUrl, apiKeyEnv: platformKeyEnv('anthropic-simulator') },
      {
        id: FALLBACK_MODEL,
        name: 'Claude, then echo',
        endpoint: { providerSlug: 'anthropic-simulator', upstreamModel: 'claude-echo', priority: 0, prices: { prompt: 3000, completion: 15000 } },
      },
    );
  });

  const client = (apiKey = gateway.apiKey) => new Anthropic({ apiKey, baseURL: gateway.dataPlane!.url, maxRetries: 0 });

  /** Every simulator echoes the last user turn. */
  function echoEverywhere(): void {
    anthropic.scenario = () => ({});
    gemini.scenario = () => ({});
    mistral.scenario = () => ({});
    gateway.simulator.scenario = () => ({});
  }

  /** `upstream` calls get_weather({city: 'Paris'}) until the request carries the tool's result. */
  function arrangeToolCall(upstream: Upstream): void {
    echoEverywhere();
    if (upstream === 'anthropic') anthropicCallsWeather(anthropic);
    else if (upstream === 'gemini') geminiCallsWeather(gemini);
    else if (upstream === 'mistral') mistralCallsWeather(mistral, 'W3ath3rPa');
    else openAICallsWeather(gateway.simulator, null);
  }

  /** What each simulator echoes once it has the tool's result: its own rendering of the last user turn. */
  const afterToolAnswer: Record<Upstream, string> = {
    anthropic: `Echo: ${WEATHER}`,
    openai: 'Echo: Weather in Paris?',
    gemini: `Echo: {"output":${JSON.stringify(WEATHER)}}`,
    mistral: 'Echo: Weather in Paris?',
  };

  /** The tool's result as the second step's upstream request carries it, in that upstream's own format. */
  function toolResultOnTheWire(upstream: Upstream): unknown {
    if (upstream === 'anthropic') return (anthropic.requests.at(-1)!.body as { messages: Array<{ content: unknown }> }).messages.at(-1)!.content;
    if (upstream === 'gemini') {
      const contents = (gemini.requests.at(-1)!.body as { contents: Array<{ parts: Array<Record<string, unknown>> }> }).contents;
      return contents.flatMap((content) => content.parts).find((part) => part.functionResponse !== undefined);
    }
    const requests = upstream === 'mistral' ? mistral.requests : gateway.simulator.requests;
    return (requests.at(-1)!.body as { messages: Array<{ role: string }> }).messages.find((message) => message.role === 'tool');
  }

  const expectedToolResult: Record<Upstream, (id: string) => object> = {
    anthropic: (id) => [{ type: 'tool_result', tool_use_id: id, content: WEATHER }],
    openai: (id) => ({ role: 'tool', tool_call_id: id, content: WEATHER }),
    // Mistral wants 9-character ids: its adapter maps the one the client echoes back.
    mistral: () => ({ role: 'tool', tool_call_id: 'W3ath3rPa', content: WEATHER }),
    gemini: () => ({ functionResponse: { name: 'get_weather', response: { output: WEATHER } } }),
  };

  describe.each(UPSTREAMS)('%s', (upstream) => {
    const model = MODELS[upstream];

    it('answers messages.create, metered like the chat completion of the same conversation', async () => {
      echoEverywhere();
      const { data: message, response } = await client()
        .messages.create({ model, max_tokens: 256, system: 'Be brief.', messages: [{ role: 'user', content: 'Hello from Claude Code' }] })
        .withResponse();
      expect(message).toMatchObject({
        type: 'message',
        role: 'assistant',
        content: [{ type: 'text', text: 'Echo: Hello from Claude Code' }],
        stop_reason: 'end_turn',
      });
      expect(message.usage.input_tokens).toBeGreaterThan(0);
      expect(message.usage.output_tokens).toBeGreaterThan(0);

      const { response: chatResponse } = await askBriefly(gateway, model, 'Hello from Claude Code');
      await gateway.dataPlane!.flushUsage();
      const row = await readUsageRow(gateway, response.headers.get('x-request-id')!);
      const chatRow = await readUsageRow(gateway, chatResponse.headers.get('x-request-id')!);
      expect(columnsOf(row)).toEqual(columnsOf(chatRow));
      const compared = [
        'requestedModel',
        'servedModel',
        'providerId',
        'promptTokens',
        'completionTokens',
        'costMicros',
        'status',
        'finishReason',
        'streamed',
        'usageEstimated',
      ] as const;
      const same = (usage: typeof row) => Object.fromEntries(compared.map((column) => [column, usage[column]]));
      expect(same(row)).toEqual(same(chatRow));
      expect(row.costMicros).toBeGreaterThan(0n);
      expect(message.usage).toMatchObject({ cost_microdollars: Number(row.costMicros) });
      expect(response.headers.get('x-gateway-provider')).toBe(chatResponse.headers.get('x-gateway-provider'));
    });

    it('streams through messages.stream().finalMessage(), metered as a stream', async () => {
      echoEverywhere();
      const stream = client().messages.stream({ model, max_tokens: 256, messages: [{ role: 'user', content: 'Stream this back please' }] });
      const texts: string[] = [];
      stream.on('text', (text) => texts.push(text));
      let deltaUsage: Record<string, unknown> = {};
      stream.on('streamEvent', (event) => {
        if (event.type === 'message_delta') deltaUsage = event.usage as unknown as Record<string, unknown>;
      });
      const message = await stream.finalMessage();
      expect(message.content).toMatchObject([{ type: 'text', text: 'Echo: Stream this back please' }]);
      expect(message.content).toHaveLength(1);
      expect(texts.join('')).toBe('Echo: Stream this back please');
      expect(message.stop_reason).toBe('end_turn');
      expect(message.usage.output_tokens).toBeGreaterThan(0);
      const { response } = await stream.withResponse();
      await gateway.dataPlane!.flushUsage();
      const row = await readUsageRow(gateway, response.headers.get('x-request-id')!);
      expect(row).toMatchObject({ requestedModel: model, streamed: true, status: 200, finishReason: 'stop', errorCode: null });
      expect(row.completionTokens).toBe(message.usage.output_tokens);
      expect(row.costMicros).toBeGreaterThan(0n);
      // A translated stream's message_delta carries the cost as the chat usage chunk does; Anthropic's own stream is relayed as it came.
      expect(deltaUsage.cost_microdollars).toBe(upstream === 'anthropic' ? undefined : Number(row.costMicros));
    });

    it.each([false, true])('completes a tool_use → tool_result round trip (streamed: %s)', async (streamed) => {
      arrangeToolCall(upstream);
      const ask = async (messages: Anthropic.MessageParam[]) => {
        const params = { model, max_tokens: 256, tools: [weatherTool], messages };
        return streamed ? client().messages.stream(params).finalMessage() : client().messages.create(params);
      };
      const question: Anthropic.MessageParam = { role: 'user', content: 'Weather in Paris?' };
      const first = await ask([question]);
      expect(first.stop_reason).toBe('tool_use');
      const toolUse = first.content.find((block) => block.type === 'tool_use');
      expect(toolUse).toMatchObject({ type: 'tool_use', name: 'get_weather', input: { city: 'Paris' } });

      const second = await ask([
        question,
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: toolUse!.id, content: WEATHER }] },
      ]);
      expect(second.stop_reason).toBe('end_turn');
      expect(second.content).toMatchObject([{ type: 'text', text: afterToolAnswer[upstream] }]);
      expect(toolResultOnTheWire(upstream)).toMatchObject(expectedToolResult[upstream](toolUse!.id));
    });
  });

  it('passes a native request to Anthropic byte-intact: cache_control, thinking signatures, beta header; the stream comes back as Anthropic sent it', async () => {
    anthropic.scenario = () => ({ cacheReadInputTokens: 30, cacheCreationInputTokens: 12 });
    const body = {
      model: MODELS.anthropic,
      max_tokens: 4096,
      system: [{ type: 'text', text: 'A long, cached preamble.', cache_control: { type: 'ephemeral', ttl: '1h' } }],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Think first.', cache_control: { type: 'ephemeral' } }] },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'Planning the answer.', signature: 'EqQBCkYIBxgCKkB+sig/==' },
            { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix/LafPsn4a' },
            { type: 'text', text: 'Done thinking.' },
          ],
        },
        { role: 'user', content: 'Now answer' },
      ],
      thinking: { type: 'enabled', budget_tokens: 2048 },
      top_k: 7,
      metadata: { user_id: 'claude-code-user' },
      stream: true,
    };
    const response = await fetch(`${gateway.dataPlane!.url}/api/gateway/messages`, {
      method: 'POST',
      headers: {
        'x-api-key': gateway.apiKey,
        'anthropic-version': '2023-06-01',
        'anthropic-beta': 'extended-cache-ttl-2025-04-11',
        'content-type': 'application/json',
      },
      body: JSON.stringify(body),
    });
    const received = await response.text();
    const upstream = anthropic.requests.at(-1)!;
    expect(upstream.body).toEqual({ ...body, model: 'claude-echo' });
    expect(upstream.headers).toMatchObject({
      'anthropic-version': '2023-06-01',
      'anthropic-beta': 'extended-cache-ttl-2025-04-11',
      'x-api-key': 'sk-ant-messages',
    });
    // Anthropic's bytes, but message_start names the requested model.
    expect(upstream.responseText).toContain('"model":"claude-echo"');
    expect(received).toBe(upstream.responseText.replace('"model":"claude-echo"', `"model":"${MODELS.anthropic}"`));

    await gateway.dataPlane!.flushUsage();
    const row = await readUsageRow(gateway, response.headers.get('x-request-id')!);
    // input: the 6 words of the turns' text blocks (as the simulator counts) + 30 cache reads + 12 cache writes; output "Echo: Now answer" = 3.
    expect(row).toMatchObject({ promptTokens: 48, cacheReadTokens: 30, cacheWriteTokens: 12, completionTokens: 3, streamed: true, usageEstimated: false });
    // 6 × 3000 + 30 × 300 + 12 × 3750 + 3 × 15000 = 117,000 n$ = 117 µ$
    expect(row.costMicros).toBe(117n);
  });

  it('falls back from an overloaded Anthropic endpoint to a translated one, answering in the same Messages shape', async () => {
    echoEverywhere();
    anthropic.scenario = () => ({ status: 529 });
    const { data: message, response } = await client()
      .messages.create({ model: FALLBACK_MODEL, max_tokens: 32, messages: [{ role: 'user', content: 'Anyone there?' }] })
      .withResponse();
    expect(anthropic.requests.at(-1)!.body).toMatchObject({ model: 'claude-echo', messages: [{ role: 'user', content: 'Anyone there?' }] });
    expect(response.headers.get('x-gateway-provider')).toBe('simulator');
    expect(message).toMatchObject({ type: 'message', content: [{ type: 'text', text: 'Echo: Anyone there?' }], stop_reason: 'end_turn' });
  });

  it('ends a stream that fails after its first bytes with an error event the SDK throws, natively and translated', async () => {
    echoEverywhere();
    anthropic.scenario = () => ({ errorAfterChunks: 2 });
    const native = client().messages.stream({ model: MODELS.anthropic, max_tokens: 32, messages: [{ role: 'user', content: 'one two three four' }] });
    const nativeTexts: string[] = [];
    native.on('text', (text) => nativeTexts.push(text));
    await expect(native.finalMessage()).rejects.toThrow('Overloaded');
    expect(nativeTexts.join('')).toBe('Echo: one ');

    // Spaced out, so the first events are relayed before the connection drops.
    gateway.simulator.scenario = () => ({ dropAfterChunks: 2, chunkDelayMs: 30 });
    const translated = client().messages.stream({ model: MODELS.openai, max_tokens: 32, messages: [{ role: 'user', content: 'one two three four' }] });
    const translatedTexts: string[] = [];
    translated.on('text', (text) => translatedTexts.push(text));
    await expect(translated.finalMessage()).rejects.toThrow('The upstream provider could not be reached');
    expect(translatedTexts.join('')).toBe('Echo: ');
    const { response } = await translated.withResponse();
    await gateway.dataPlane!.flushUsage();
    expect(await readUsageRow(gateway, response.headers.get('x-request-id')!)).toMatchObject({ status: 200, streamed: true, errorCode: 'upstream_error' });
  });

  it('repairs a cut-short tool history before sending it to Anthropic natively', async () => {
    echoEverywhere();
    const message = await client().messages.create({
      model: MODELS.anthropic,
      max_tokens: 32,
      tools: [weatherTool],
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_cut', name: 'get_weather', input: { city: 'Paris' } }] },
        { role: 'user', content: 'Never mind, say hi' },
      ],
    });
    expect(anthropic.requests.at(-1)!.body).toMatchObject({
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_cut' }] },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_cut', content: '[no result: the tool call was not answered]' },
            { type: 'text', text: 'Never mind, say hi' },
          ],
        },
      ],
    });
    expect(message.content).toMatchObject([{ type: 'text', text: 'Echo: [no result: the tool call was not answered] Never mind, say hi' }]);
  });

  it("serves the SDK's beta messages API, passing its betas to Anthropic as anthropic-beta", async () => {
    echoEverywhere();
    const message = await client().beta.messages.create({
      model: MODELS.anthropic,
      max_tokens: 32,
      betas: ['context-management-2025-06-27'],
      messages: [{ role: 'user', content: 'Beta hello' }],
    });
    expect(message.content).toMatchObject([{ type: 'text', text: 'Echo: Beta hello' }]);
    expect(anthropic.requests.at(-1)!.headers['anthropic-beta']).toBe('context-management-2025-06-27');
    const translated = await client().beta.messages.create({ model: MODELS.gemini, max_tokens: 32, messages: [{ role: 'user', content: 'Beta hello' }] });
    expect(translated.content).toMatchObject([{ type: 'text', text: 'Echo: Beta hello' }]);
    // Claude Code adds `?beta=true` to the path.
    const withQuery = await fetch(`${gateway.dataPlane!.url}/v1/messages?beta=true`, {
      method: 'POST',
      headers: { 'x-api-key': gateway.apiKey },
      body: JSON.stringify({ model: MODELS.gemini, max_tokens: 32, messages: [{ role: 'user', content: 'Query hello' }] }),
    });
    expect(await withQuery.json()).toMatchObject({ type: 'message', content: [{ type: 'text', text: 'Echo: Query hello' }] });
  });

  it("returns a native non-streamed message as Anthropic's, with the gateway's cost fields added to its usage", async () => {
    echoEverywhere();
    const response = await fetch(`${gateway.dataPlane!.url}/v1/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gateway.apiKey}` },
      body: JSON.stringify({ model: MODELS.anthropic, max_tokens: 32, messages: [{ role: 'user', content: 'Plain answer' }] }),
    });
    const upstream = JSON.parse(anthropic.requests.at(-1)!.responseText) as { usage: object };
    const cost = Number(response.headers.get('x-gateway-cost-microdollars'));
    expect(cost).toBeGreaterThan(0);
    expect(await response.json()).toEqual({
      ...upstream,
      model: MODELS.anthropic,
      usage: { ...upstream.usage, cost: cost / 1_000_000, cost_microdollars: cost },
    });
  });

  it('serves the SDK with base URL …/api/gateway (it appends /v1/messages): create, stream and count_tokens', async () => {
    echoEverywhere();
    const viaGateway = new Anthropic({ apiKey: gateway.apiKey, baseURL: `${gateway.dataPlane!.url}/api/gateway`, maxRetries: 0 });
    const message = await viaGateway.messages.create({ model: MODELS.anthropic, max_tokens: 16, messages: [{ role: 'user', content: 'hosted path' }] });
    expect(message.content).toEqual([{ type: 'text', text: 'Echo: hosted path' }]);
    const streamed = await viaGateway.messages
      .stream({ model: MODELS.gemini, max_tokens: 16, messages: [{ role: 'user', content: 'hosted stream' }] })
      .finalMessage();
    expect(streamed.content).toEqual([{ type: 'text', text: 'Echo: hosted stream' }]);
    const counted = await viaGateway.messages.countTokens({ model: MODELS.gemini, messages: [{ role: 'user', content: 'hosted count' }] });
    expect(counted.input_tokens).toBeGreaterThan(0);
  });

  it('accepts the key as x-api-key or Bearer; a bad key gets 401 in Anthropic envelope', async () => {
    const viaHeader = new Anthropic({
      apiKey: null,
      authToken: null,
      baseURL: gateway.dataPlane!.url,
      maxRetries: 0,
      defaultHeaders: { 'x-api-key': gateway.apiKey },
    });
    const message = await viaHeader.messages.create({ model: MODELS.openai, max_tokens: 16, messages: [{ role: 'user', content: 'key header' }] });
    expect(message.content).toEqual([{ type: 'text', text: 'Echo: key header' }]);

    const refused = await client('sk-not-a-gateway-key')
      .messages.create({ model: MODELS.openai, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(Anthropic.AuthenticationError);
    expect((refused as InstanceType<typeof Anthropic.AuthenticationError>).error).toEqual({
      type: 'error',
      error: { type: 'authentication_error', message: 'Invalid API key.' },
    });

    const missing = await fetch(`${gateway.dataPlane!.url}/v1/messages`, { method: 'POST', body: '{}' });
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
  });

  it("answers bad bodies and unknown models in Anthropic's envelope, and only-Anthropic blocks on other providers with a 400", async () => {
    const post = async (body: unknown) => {
      const response = await fetch(`${gateway.dataPlane!.url}/v1/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${gateway.apiKey}` },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: await response.json() };
    };
    expect(await post({ model: MODELS.openai, messages: [{ role: 'user', content: 'hi' }] })).toEqual({
      status: 400,
      body: { type: 'error', error: { type: 'invalid_request_error', message: "'max_tokens' is required and must be a positive integer." } },
    });
    expect(await post({ model: 'nobody/nothing', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] })).toMatchObject({
      status: 404,
      body: { type: 'error', error: { type: 'not_found_error' } },
    });
    const document = { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'A memo.' } };
    expect(await post({ model: MODELS.gemini, max_tokens: 5, messages: [{ role: 'user', content: [document] }] })).toEqual({
      status: 400,
      body: {
        type: 'error',
        error: { type: 'invalid_request_error', message: "'document' blocks in user turns is only supported when the model's provider is Anthropic." },
      },
    });
    anthropic.scenario = () => ({});
    expect(
      await post({ model: MODELS.anthropic, max_tokens: 5, messages: [{ role: 'user', content: [document, { type: 'text', text: 'Summarise' }] }] }),
    ).toMatchObject({
      status: 200,
      body: { type: 'message', content: [{ type: 'text', text: 'Echo: Summarise' }] },
    });
  });

  it("refuses a request over the user's daily limit with a 429 in Anthropic's envelope, the limit in error.details", async () => {
    echoEverywhere();
    const orgId = (await gateway.controlPlane!.prisma.apiKey.findFirstOrThrow({ where: { name: 'dev' } })).orgId;
    const admin = createTRPCClient<AppRouter>({
      links: [httpLink({ url: `${gateway.controlPlane!.url}/trpc`, headers: { authorization: `Bearer ${gateway.controlPlane!.adminToken}` } })],
    });
    const ask = () =>
      fetch(`${gateway.dataPlane!.url}/v1/messages`, {
        method: 'POST',
        headers: { 'x-api-key': gateway.apiKey },
        body: JSON.stringify({ model: MODELS.openai, max_tokens: 256, messages: [{ role: 'user', content: 'Over the limit?' }] }),
      });
    await admin.policies.update.mutate({ orgId, dailyLimitMicros: 1 });
    try {
      // The new policy reaches the data plane with the next snapshot.
      await expect.poll(async () => (await ask()).status).toBe(429);
      const refused = await ask();
      expect(refused.headers.get('retry-after')).not.toBeNull();
      expect(await refused.json()).toMatchObject({ type: 'error', error: { type: 'rate_limit_error', details: { limit: 'daily', limit_micros: 1 } } });
    } finally {
      await admin.policies.update.mutate({ orgId, dailyLimitMicros: null });
      await expect.poll(async () => (await ask()).status).toBe(200);
    }
  });

  it('answers count_tokens with the estimate, under /v1 and /api/gateway, authenticated like messages', async () => {
    const params = {
      model: MODELS.gemini,
      system: 'Be brief.',
      messages: [{ role: 'user' as const, content: 'How many tokens is this?' }],
      tools: [weatherTool],
    };
    const counted = await client().messages.countTokens(params);
    expect(counted.input_tokens).toBeGreaterThan(0);
    const longer = await client().messages.countTokens({ ...params, messages: [{ role: 'user', content: 'How many tokens is this? '.repeat(20) }] });
    expect(longer.input_tokens).toBeGreaterThan(counted.input_tokens);

    const viaGateway = await fetch(`${gateway.dataPlane!.url}/api/gateway/messages/count_tokens`, {
      method: 'POST',
      headers: { 'x-api-key': gateway.apiKey },
      body: JSON.stringify(params),
    });
    expect(await viaGateway.json()).toEqual({ input_tokens: counted.input_tokens });

    const refused = await fetch(`${gateway.dataPlane!.url}/v1/messages/count_tokens`, {
      method: 'POST',
      headers: { 'x-api-key': 'wrong' },
      body: JSON.stringify(params),
    });
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
  });
});
