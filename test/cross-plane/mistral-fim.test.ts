// Codestral FIM through the gateway: the real Mistral SDK, pointed at the data plane (its serverURL is
// the host; it appends /v1/fim/completions), completes and streams through a provider of kind
// `mistral` to the Mistral simulator, gets Mistral's own response shape back, and each request lands as
// one usage row priced like chat. Bad bodies, non-FIM models and Mistral's errors come back as clear
// OpenAI-style errors. FIM is tried on every endpoint that speaks it, with the same retries and fallbacks as chat,
// and the same routing extras (`provider`, `models`).
import { Mistral } from '@mistralai/mistralai';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startMistralSimulator } from '../../simulators/mistral/mistral-simulator.ts';
import { addCatalogModel } from '../support/add-catalog-model.ts';
import { SIMULATOR_MODEL, useGateway } from '../support/gateway-harness.ts';
import { useSimulatedProvider, platformKeyEnv } from '../support/simulated-provider.ts';
import { testEngines } from '../support/test-database.ts';
import { latestUsageRow } from '../support/usage-rows.ts';

const MODEL = 'mistral/codestral-latest';
const PROVIDER = 'mistral-simulator';
const UPSTREAM_KEY = 'mistral-cross-plane-fim';

describe.each(testEngines)('Codestral FIM through the gateway (%s)', (engine) => {
  const gateway = useGateway(engine);
  const simulator = useSimulatedProvider(gateway, 'mistral', {
    apiKey: UPSTREAM_KEY,
    slug: PROVIDER,
    id: MODEL,
    name: 'Codestral',
    upstreamModel: 'codestral-2501',
    // $0.30 / $0.90 per Mtok, as Codestral.
    prices: { prompt: 300, completion: 900, cacheRead: null, cacheWrite: null },
  });
  let client: Mistral;
  beforeAll(async () => {
    client = new Mistral({ apiKey: gateway.apiKey, serverURL: gateway.dataPlane!.url, retryConfig: { strategy: 'none' } });
  });
  beforeEach(() => {
    simulator.scenario = () => ({});
  });

  it('completes with fim.complete: Mistral shape back, upstream model and key forwarded, one usage row', async () => {
    const response = await client.fim.complete({
      model: MODEL,
      prompt: 'def add(a, b):\n    return',
      suffix: '\nprint(add(1, 2))',
      maxTokens: 32,
      stop: ['\n\n'],
    });
    expect(response.choices?.[0]).toMatchObject({ message: { role: 'assistant', content: 'Fill: return' }, finishReason: 'stop' });
    expect(response.usage).toMatchObject({ promptTokens: 6, completionTokens: 2, totalTokens: 8 });
    // The requested id, not Mistral's codestral-2501.
    expect(response.model).toBe(MODEL);

    const upstream = simulator.requests.at(-1)!;
    expect(upstream.path).toBe('/v1/fim/completions');
    expect(upstream.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
    expect(upstream.body).toEqual({
      model: 'codestral-2501',
      prompt: 'def add(a, b):\n    return',
      suffix: '\nprint(add(1, 2))',
      max_tokens: 32,
      stop: ['\n\n'],
      stream: false,
    });
    expect(await latestUsageRow(gateway, MODEL)).toMatchObject({
      requestedModel: MODEL,
      servedModel: 'codestral-2501',
      promptTokens: 6,
      completionTokens: 2,
      usageEstimated: false,
      finishReason: 'stop',
      streamed: false,
      status: 200,
      // 6 × 300 + 2 × 900 = 3,600 n$ → 4 µ$ (half-up)
      costMicros: 4n,
    });
  });

  it('streams with fim.stream to [DONE], usage on the last chunk, and meters the stream', async () => {
    const stream = await client.fim.stream({ model: MODEL, prompt: 'const total = items\n  .map((item) => item.price)\n  .reduce(' });
    let text = '';
    let usage: unknown = null;
    const models = new Set<string>();
    for await (const event of stream) {
      models.add(event.data.model);
      const delta = event.data.choices[0]?.delta.content;
      if (typeof delta === 'string') text += delta;
      if (event.data.usage) usage = event.data.usage;
    }
    expect(text).toBe('Fill: .reduce(');
    expect(models).toEqual(new Set([MODEL]));
    expect(usage).toMatchObject({ promptTokens: 8, completionTokens: 2 });
    expect(simulator.requests.at(-1)!.body).toMatchObject({ model: 'codestral-2501', stream: true });
    const row = await latestUsageRow(gateway, MODEL);
    expect(row).toMatchObject({ promptTokens: 8, completionTokens: 2, finishReason: 'stop', streamed: true, status: 200, usageEstimated: false });
    expect(row.ttftMs).not.toBeNull();
  });

  it('serves the SDK with serverURL …/api/gateway (it appends /v1/fim/completions and /v1/chat/completions)', async () => {
    const viaGateway = new Mistral({ apiKey: gateway.apiKey, serverURL: `${gateway.dataPlane!.url}/api/gateway`, retryConfig: { strategy: 'none' } });
    const completed = await viaGateway.fim.complete({ model: MODEL, prompt: 'hosted =' });
    expect(completed.choices?.[0]?.message?.content).toBe('Fill: hosted =');
    const chat = await viaGateway.chat.complete({ model: SIMULATOR_MODEL, messages: [{ role: 'user', content: 'hosted chat' }] });
    expect(chat.choices?.[0]?.message?.content).toBe('Echo: hosted chat');
  });

  it('answers both prefixes, and rejects a bad body, a model without FIM and no key before reaching Mistral', async () => {
    const post = (path: string, body: unknown, apiKey = gateway.apiKey) =>
      fetch(`${gateway.dataPlane!.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const viaApiGateway = await post('/api/gateway/fim/completions', { model: MODEL, prompt: 'a =' });
    expect(viaApiGateway.status).toBe(200);
    expect(((await viaApiGateway.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content).toBe('Fill: a =');
    const before = simulator.requests.length;

    const noPrompt = await post('/v1/fim/completions', { model: MODEL, suffix: 'x' });
    expect(noPrompt.status).toBe(400);
    expect(await noPrompt.json()).toEqual({
      error: { message: "'prompt' is required and must be a string.", type: 'invalid_request_error', param: 'prompt', code: 'invalid_request' },
    });
    const badStop = await post('/v1/fim/completions', { model: MODEL, prompt: 'x', stop: [1] });
    expect(await badStop.json()).toMatchObject({ error: { message: "'stop' must be a string or an array of strings.", param: 'stop' } });
    const chatModel = await post('/v1/fim/completions', { model: SIMULATOR_MODEL, prompt: 'x' });
    expect(chatModel.status).toBe(400);
    expect(await chatModel.json()).toMatchObject({ error: { message: `The model '${SIMULATOR_MODEL}' does not support FIM.`, param: 'model' } });
    expect((await post('/v1/fim/completions', { model: MODEL, prompt: 'x' }, 'not-a-key')).status).toBe(401);
    expect(simulator.requests.length).toBe(before);
  });

  it('falls back like chat: a failing endpoint hands over to the next one that speaks FIM, skipping providers without FIM', async () => {
    const backup = await startMistralSimulator({ apiKey: UPSTREAM_KEY });
    try {
      const model = 'mistral/codestral-fallback';
      const prices = { prompt: 300, completion: 900, cacheRead: null, cacheWrite: null };
      const endpoint = (providerSlug: string, upstreamModel: string, priority: number) => ({ providerSlug, upstreamModel, priority, prices });
      // First the failing Mistral endpoint, then an OpenAI-compatible one (no FIM), then the backup. The
      // model is listed from its first endpoint on, so a last model added after them says when the
      // data plane's snapshot holds all three (snapshots carry every change made before them).
      const endpoints: Array<[provider: Parameters<typeof addCatalogModel>[1], upstreamModel: string]> = [
        [{ slug: 'mistral-simulator', kind: 'mistral', baseUrl: simulator.baseUrl, apiKeyEnv: platformKeyEnv(PROVIDER) }, 'codestral-primary'],
        [{ slug: 'simulator', baseUrl: gateway.simulator.baseUrl, apiKeyEnv: null }, 'echo'],
        [{ slug: 'mistral-backup', kind: 'mistral', baseUrl: backup.baseUrl, apiKeyEnv: platformKeyEnv(PROVIDER) }, 'codestral-backup'],
      ];
      for (const [priority, [provider, upstreamModel]] of endpoints.entries()) {
        await addCatalogModel(gateway, provider, { id: model, name: 'Codestral with a fallback', endpoint: endpoint(provider.slug, upstreamModel, priority) });
      }
      await addCatalogModel(gateway, endpoints[2]![0], { id: `${model}-ready`, name: 'Ready', endpoint: endpoint('mistral-backup', 'codestral-backup', 0) });
      simulator.scenario = (body) => (body.model === 'codestral-primary' ? { status: 503 } : {});
      const simulatorRequests = gateway.simulator.requests.length;

      const response = await fetch(`${gateway.dataPlane!.url}/v1/fim/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${gateway.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model, prompt: 'let x =' }),
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('x-gateway-provider')).toBe('mistral-backup');
      expect(((await response.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content).toBe('Fill: let x =');
      expect(simulator.requests.at(-1)).toMatchObject({ path: '/v1/fim/completions', body: { model: 'codestral-primary' } });
      expect(backup.requests).toEqual([expect.objectContaining({ path: '/v1/fim/completions', body: expect.objectContaining({ model: 'codestral-backup' }) })]);
      expect(gateway.simulator.requests.length).toBe(simulatorRequests);
      expect(await latestUsageRow(gateway, model)).toMatchObject({ servedModel: 'codestral-backup', status: 200, promptTokens: 3 });

      // The request's own routing extras, as on chat: `provider.order` puts the backup first (the failing
      // primary is not called) and neither extra reaches the upstream.
      const primaryRequests = simulator.requests.length;
      const ordered = await fetch(`${gateway.dataPlane!.url}/v1/fim/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${gateway.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model, prompt: 'ordered', provider: { order: ['mistral-backup'], allow_fallbacks: false } }),
      });
      expect(ordered.status).toBe(200);
      expect(ordered.headers.get('x-gateway-provider')).toBe('mistral-backup');
      expect(simulator.requests.length).toBe(primaryRequests);
      expect(backup.requests.at(-1)!.body).toEqual({ model: 'codestral-backup', prompt: 'ordered', stream: false });

      // `models`: every endpoint of the requested model fails, so the next model serves, named in x-gateway-model.
      simulator.scenario = () => ({ status: 503 });
      const fellBack = await fetch(`${gateway.dataPlane!.url}/v1/fim/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${gateway.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: MODEL, models: [model], prompt: 'next model' }),
      });
      expect(fellBack.status).toBe(200);
      expect(fellBack.headers.get('x-gateway-provider')).toBe('mistral-backup');
      expect(fellBack.headers.get('x-gateway-model')).toBe(model);
      expect(simulator.requests.at(-1)).toMatchObject({ body: { model: 'codestral-primary' } });
      expect(backup.requests.at(-1)!.body).toEqual({ model: 'codestral-backup', prompt: 'next model', stream: false });
      expect(await latestUsageRow(gateway, MODEL)).toMatchObject({ requestedModel: MODEL, servedModel: 'codestral-backup', status: 200 });
    } finally {
      await backup.close();
    }
  });

  it("turns Mistral's 422 into a 400 naming the field, its 429 into a 429, and its envelope-less 401 into a 502", async () => {
    const post = (body: unknown) =>
      fetch(`${gateway.dataPlane!.url}/v1/fim/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${gateway.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const unknownField = await post({ model: MODEL, prompt: 'x', best_of: 2 });
    expect(unknownField.status).toBe(400);
    expect(await unknownField.json()).toMatchObject({
      error: { message: "Invalid request: 'best_of': Extra inputs are not permitted.", param: 'best_of', code: 'invalid_request' },
    });

    // The only endpoint is retried like chat's last one (twice, after the retry-after), then the 429 is the answer.
    simulator.scenario = () => ({ status: 429, headers: { 'retry-after': '1' } });
    const attemptsBefore = simulator.requests.length;
    const limited = await post({ model: MODEL, prompt: 'x' });
    expect(simulator.requests.length - attemptsBefore).toBe(3);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(await limited.json()).toMatchObject({ error: { message: 'Rate limit exceeded', code: 'rate_limited' } });
    expect(await latestUsageRow(gateway, MODEL)).toMatchObject({ status: 429, errorCode: 'rate_limited', promptTokens: 0 });

    gateway.providerKeys.set(platformKeyEnv(PROVIDER), 'revoked');
    try {
      const refused = await post({ model: MODEL, prompt: 'x' });
      expect(refused.status).toBe(502);
      expect(await refused.json()).toMatchObject({
        error: { message: "The upstream provider refused the gateway's credentials: Unauthorized", code: 'upstream_error' },
      });
    } finally {
      gateway.providerKeys.set(platformKeyEnv(PROVIDER), UPSTREAM_KEY);
    }
  });
});
