// POST /v1/embeddings end to end (issue 14, item 4), through the official clients: the openai SDK's
// embeddings.create (floats, and its default base64 which it decodes) and the AI SDK's embed/embedMany,
// against the OpenAI simulator (the seeded OpenAI-compatible `simulator` provider), Mistral's and
// Gemini's (batchEmbedContents). Every simulator answers simulated-embedding.ts's vector for a text, so
// the values are predictable; every request leaves a usage row priced on its input tokens.
import { createOpenAI } from '@ai-sdk/openai';
import { createTRPCClient, httpLink } from '@trpc/client';
import { embed, embedMany } from 'ai';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AppRouter } from '../../control-plane/src/trpc/routers/_app.ts';
import { simulatedEmbedding, simulatedEmbeddingBase64 } from '../../simulators/simulated-embedding.ts';
import { addCatalogModel } from '../support/add-catalog-model.ts';
import { useGateway } from '../support/gateway-harness.ts';
import { useSimulatedProvider, platformKeyEnv } from '../support/simulated-provider.ts';
import { flushedUsageRow, latestUsageRow } from '../support/usage-rows.ts';
import { testEngines } from '../support/test-database.ts';

const OPENAI_MODEL = 'simulator/embed';
const MISTRAL_MODEL = 'mistral/mistral-embed';
const GEMINI_MODEL = 'google-native/gemini-embedding-001';
/** n$ per input token: $0.02, $0.10 and $0.15 per Mtok; embeddings generate nothing. */
const PRICES = { [OPENAI_MODEL]: 20, [MISTRAL_MODEL]: 100, [GEMINI_MODEL]: 150 };
const embeddingModel = (id: keyof typeof PRICES, name: string, upstreamModel: string) => ({
  id,
  name,
  upstreamModel,
  prices: { prompt: PRICES[id], completion: 0 },
});

describe.each(testEngines)('embeddings (%s)', (engine) => {
  const gateway = useGateway(engine);
  const mistral = useSimulatedProvider(gateway, 'mistral', {
    apiKey: 'mistral-embeddings-key',
    ...embeddingModel(MISTRAL_MODEL, 'Mistral Embed', 'mistral-embed'),
  });
  const gemini = useSimulatedProvider(gateway, 'gemini', {
    apiKey: 'AIza-embeddings',
    ...embeddingModel(GEMINI_MODEL, 'Gemini Embedding', 'gemini-embedding-001'),
  });

  beforeAll(async () => {
    await addCatalogModel(
      gateway,
      { slug: 'simulator', baseUrl: gateway.simulator.baseUrl, apiKeyEnv: null },
      {
        id: OPENAI_MODEL,
        name: 'Embed',
        endpoint: { providerSlug: 'simulator', upstreamModel: 'text-embedding-3-small', prices: { prompt: PRICES[OPENAI_MODEL], completion: 0 } },
      },
    );
  });

  const post = (path: string, body: unknown) =>
    fetch(`${gateway.dataPlane!.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gateway.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('answers the openai SDK with floats, names the requested model, and meters the input tokens', async () => {
    const { data, response } = await gateway
      .client()
      .embeddings.create({ model: OPENAI_MODEL, input: ['first text here', 'second one'], encoding_format: 'float' })
      .withResponse();
    expect(data.data).toEqual([
      { object: 'embedding', index: 0, embedding: simulatedEmbedding('first text here') },
      { object: 'embedding', index: 1, embedding: simulatedEmbedding('second one') },
    ]);
    expect(data.model).toBe(OPENAI_MODEL);
    // The simulator counts words; 5 tokens at 20 n$ each is 100 n$, which rounds to 0 µ$.
    expect(data.usage).toEqual({ prompt_tokens: 5, total_tokens: 5, cost: 0, cost_microdollars: 0 });
    expect(response.headers.get('x-gateway-model')).toBe(OPENAI_MODEL);
    const row = await flushedUsageRow(gateway, response);
    expect(row).toMatchObject({
      requestedModel: OPENAI_MODEL,
      promptTokens: 5,
      completionTokens: 0,
      costMicros: 0n,
      usageEstimated: false,
      status: 200,
      streamed: false,
    });
    expect(gateway.simulator.requests.at(-1)).toMatchObject({
      path: '/v1/embeddings',
      body: { model: 'text-embedding-3-small', input: ['first text here', 'second one'], encoding_format: 'float' },
    });
  });

  it("serves the openai SDK's default base64, which it decodes to the same numbers, and bills a large input", async () => {
    const input = 'word '.repeat(60_000).trim();
    const created = await gateway.client().embeddings.create({ model: OPENAI_MODEL, input });
    expect(gateway.simulator.requests.at(-1)!.body).toMatchObject({ encoding_format: 'base64' });
    expect(created.data[0]!.embedding).toEqual(simulatedEmbedding(input));
    // 60,000 tokens × 20 n$ = 1,200,000 n$ = 1,200 µ$.
    expect(created.usage).toMatchObject({ prompt_tokens: 60_000, cost_microdollars: 1_200 });
    expect(await latestUsageRow(gateway, OPENAI_MODEL)).toMatchObject({ promptTokens: 60_000, costMicros: 1_200n });
  });

  it('sends base64 on the wire as little-endian float32, on every prefix', async () => {
    for (const path of ['/v1/embeddings', '/api/gateway/embeddings', '/api/gateway/v1/embeddings']) {
      const response = await post(path, { model: OPENAI_MODEL, input: 'hello', encoding_format: 'base64', dimensions: 4 });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { data: Array<{ embedding: unknown }>; model: string };
      expect(body.data[0]!.embedding).toBe(simulatedEmbeddingBase64(simulatedEmbedding('hello', 4)));
      expect(body.model).toBe(OPENAI_MODEL);
    }
    // Token arrays go to OpenAI-compatible upstreams as sent.
    const tokens = await post('/v1/embeddings', {
      model: OPENAI_MODEL,
      input: [
        [1, 2, 3],
        [4, 5],
      ],
    });
    expect(((await tokens.json()) as { data: Array<{ embedding: number[] }> }).data.map((item) => item.embedding)).toEqual([
      simulatedEmbedding([1, 2, 3]),
      simulatedEmbedding([4, 5]),
    ]);
  });

  it('embeds through Mistral with the AI SDK: dimensions become output_dimension, and its usage is billed', async () => {
    const provider = createOpenAI({ baseURL: `${gateway.dataPlane!.url}/v1`, apiKey: gateway.apiKey });
    const { embedding, usage } = await embed({
      model: provider.embedding(MISTRAL_MODEL),
      value: 'bonjour tout le monde',
      providerOptions: { openai: { dimensions: 6 } },
    });
    expect(embedding).toEqual(simulatedEmbedding('bonjour tout le monde', 6));
    expect(usage).toEqual({ tokens: 4 });
    expect(mistral.requests.at(-1)).toMatchObject({
      path: '/v1/embeddings',
      headers: { authorization: 'Bearer mistral-embeddings-key' },
      body: { model: 'mistral-embed', input: ['bonjour tout le monde'], encoding_format: 'float', output_dimension: 6 },
    });
    expect(mistral.requests.at(-1)!.body).not.toHaveProperty('dimensions');
    expect(await latestUsageRow(gateway, MISTRAL_MODEL)).toMatchObject({ promptTokens: 4, completionTokens: 0, usageEstimated: false });
  });

  it("embeds many through Gemini's batchEmbedContents; Gemini counts nothing, so the gateway counts and bills the input", async () => {
    const provider = createOpenAI({ baseURL: `${gateway.dataPlane!.url}/v1`, apiKey: gateway.apiKey });
    const values = ['The quick brown fox', 'jumps over the lazy dog', 'again and again'];
    const { embeddings, usage } = await embedMany({ model: provider.embedding(GEMINI_MODEL), values });
    expect(embeddings).toEqual(values.map((value) => simulatedEmbedding(value)));
    expect(gemini.requests.at(-1)).toMatchObject({
      path: '/v1beta/models/gemini-embedding-001:batchEmbedContents',
      headers: { 'x-goog-api-key': 'AIza-embeddings' },
      body: { requests: values.map((text) => ({ model: 'models/gemini-embedding-001', content: { parts: [{ text }] } })) },
    });
    const row = await latestUsageRow(gateway, GEMINI_MODEL);
    // 13 tokens × 150 n$ = 1,950 n$, billed as 2 µ$.
    expect(row).toMatchObject({ usageEstimated: true, completionTokens: 0, costMicros: 2n });
    // The answer carries the count the gateway billed (o200k_base: 4 + 6 + 3 tokens).
    expect(usage).toEqual({ tokens: row.promptTokens });
    expect(row.promptTokens).toBe(13);

    const base64 = await post('/v1/embeddings', { model: GEMINI_MODEL, input: 'The quick brown fox', encoding_format: 'base64' });
    const body = (await base64.json()) as { data: Array<{ embedding: unknown }>; usage: Record<string, number> };
    expect(body.data[0]!.embedding).toBe(simulatedEmbeddingBase64(simulatedEmbedding('The quick brown fox')));
    expect(body.usage).toMatchObject({ prompt_tokens: 4, total_tokens: 4 });
  });

  it('refuses what the chosen provider cannot take, and bad bodies, before anything is sent or metered', async () => {
    const sentToGemini = gemini.requests.length;
    const tokens = await post('/v1/embeddings', { model: GEMINI_MODEL, input: [1, 2, 3] });
    expect(tokens.status).toBe(400);
    expect(await tokens.json()).toEqual({
      error: {
        message: "Gemini embeds text only: send 'input' as a string or an array of strings, not token arrays.",
        type: 'invalid_request_error',
        code: 'invalid_request',
        param: 'input',
      },
    });
    expect(gemini.requests.length).toBe(sentToGemini);

    for (const [body, param] of [
      [{ model: OPENAI_MODEL }, 'input'],
      [{ model: OPENAI_MODEL, input: ['a', [1]] }, 'input'],
      [{ model: OPENAI_MODEL, input: 'a', encoding_format: 'int8' }, 'encoding_format'],
      [{ model: OPENAI_MODEL, input: 'a', dimensions: 0 }, 'dimensions'],
    ] as const) {
      const response = await post('/v1/embeddings', body);
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: { param: string } }).error.param).toBe(param);
    }
  });

  it("applies key scopes, and serves an org's BYOK key when the platform has none for the provider", async () => {
    const admin = createTRPCClient<AppRouter>({
      links: [httpLink({ url: `${gateway.controlPlane!.url}/trpc`, headers: { authorization: `Bearer ${gateway.controlPlane!.adminToken}` } })],
    });
    const owner = await gateway.controlPlane!.prisma.user.findUniqueOrThrow({ where: { email: 'admin@localhost' }, include: { memberships: true } });
    const orgId = owner.memberships[0]!.orgId;
    const { key: scopedKey } = await admin.apiKeys.create.mutate({ orgId, name: 'chat only', scopes: { models: ['simulator/echo'] } });
    const embedWith = (apiKey: string, model: string) =>
      fetch(`${gateway.dataPlane!.url}/v1/embeddings`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model, input: 'scoped' }),
      });
    await expect.poll(async () => (await embedWith(scopedKey, OPENAI_MODEL)).status).toBe(403);

    // No platform key for Mistral: refused at once, naming the variable, nothing sent.
    const keyEnv = platformKeyEnv('mistral-simulator');
    const platformKey = gateway.providerKeys.get(keyEnv)!;
    gateway.providerKeys.delete(keyEnv);
    const sent = mistral.requests.length;
    const unkeyed = await embedWith(gateway.apiKey, MISTRAL_MODEL);
    expect(unkeyed.status).toBe(503);
    expect(((await unkeyed.json()) as { error: { code: string; message: string } }).error).toMatchObject({
      code: 'provider_not_configured',
      message: expect.stringContaining(`set ${keyEnv}`),
    });
    expect(mistral.requests.length).toBe(sent);

    // The org brings its own key (the one the simulator accepts): served with it, recorded as BYOK.
    await admin.byok.create.mutate({ orgId, provider: 'mistral-simulator', key: platformKey });
    await expect.poll(async () => (await embedWith(gateway.apiKey, MISTRAL_MODEL)).status).toBe(200);
    expect(mistral.requests.at(-1)!.headers.authorization).toBe(`Bearer ${platformKey}`);
    expect(await latestUsageRow(gateway, MISTRAL_MODEL)).toMatchObject({ byok: true, promptTokens: 1, status: 200 });
  });
});
