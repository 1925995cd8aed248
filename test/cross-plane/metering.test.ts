// What a client learns about the cost of its requests, end to end through the openai SDK: the cost in
// `usage` (USD and exact microdollars) of bodies and of the streamed usage chunk, the metering headers,
// token estimates when the upstream gives no usage, and GET /generation for the key that made a request.
import { createTRPCClient, httpLink } from '@trpc/client';
import { beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import type { AppRouter } from '../../control-plane/src/trpc/routers/_app.ts';
import { countTokens } from '../../data-plane/src/metering/count-tokens.ts';
import { estimatePromptTokens } from '../../data-plane/src/metering/estimate-prompt-tokens.ts';
import { useGateway, SIMULATOR_MODEL } from '../support/gateway-harness.ts';
import { graphql } from '../support/graphql-client.ts';
import { testEngines } from '../support/test-database.ts';
import { useSimulatedProvider } from '../support/simulated-provider.ts';
import { readUsageRow } from '../support/usage-rows.ts';
import { waitFor } from '../support/wait-for.ts';

// The simulator model's catalog prices: 150 n$ per prompt token, 600 n$ per completion token.
const costMicros = (promptTokens: number, completionTokens: number) => Math.floor((promptTokens * 150 + completionTokens * 600 + 500) / 1000);

type CostedUsage = OpenAI.CompletionUsage & { cost: number; cost_microdollars: number };

const ANTHROPIC_MODEL = 'anthropic/claude-metered';

describe.each(testEngines)('metering seen by the client (%s)', (engine) => {
  const gateway = useGateway(engine);
  const anthropic = useSimulatedProvider(gateway, 'anthropic', {
    apiKey: 'sk-ant-metering',
    id: ANTHROPIC_MODEL,
    name: 'Claude metered',
    prices: { prompt: 3000, completion: 15000 },
  });
  let otherKey: string;

  beforeAll(async () => {
    const orgId = (await gateway.controlPlane!.prisma.organization.findFirstOrThrow()).id;
    const created = await graphql<{ createApiKey: { key: string } }>(gateway, 'mutation ($orgId: ID!) { createApiKey(orgId: $orgId, name: "other") { key } }', {
      orgId,
    });
    otherKey = created.createApiKey.key;
    // The data plane learns of the new key through the snapshot: until then the key is refused (401).
    await waitFor(async () => ((await generationStatus(otherKey, 'none')) === 404 ? true : undefined), { what: 'the new key to reach the data plane' });
  });

  async function generation(apiKey: string, requestId: string): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${gateway.dataPlane!.url}/v1/generation?id=${encodeURIComponent(requestId)}`, {
      headers: { authorization: `Bearer ${apiKey}` },
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }
  async function generationStatus(apiKey: string, requestId: string): Promise<number> {
    return (await generation(apiKey, requestId)).status;
  }

  it('a non-streamed body carries usage.cost and cost_microdollars, with the metering headers', async () => {
    gateway.simulator.scenario = () => ({});
    const { data: completion, response } = await askSimulator('What does this cost?');

    const usage = completion.usage as CostedUsage;
    // 4 prompt tokens × 150 n$ + 5 completion tokens × 600 n$ = 3600 n$ → 4 µ$
    expect(usage).toMatchObject({ prompt_tokens: 4, completion_tokens: 5, cost_microdollars: 4, cost: 0.000004 });
    const requestId = response.headers.get('x-request-id')!;
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.headers.get('x-gateway-cost-microdollars')).toBe('4');
    const ttft = Number(response.headers.get('x-gateway-ttft-ms'));
    const latency = Number(response.headers.get('x-gateway-latency-ms'));
    expect(ttft).toBeGreaterThan(0);
    expect(latency).toBeGreaterThanOrEqual(ttft);

    await gateway.dataPlane!.flushUsage();
    const row = await readUsageRow(gateway, requestId);
    expect(row).toMatchObject({ costMicros: 4n, usageEstimated: false, ttftMs: ttft, totalLatencyMs: latency });
  });

  /** A non-streamed completion from the simulator model, and its HTTP response. */
  const askSimulator = (content: string) =>
    gateway
      .client()
      .chat.completions.create({ model: SIMULATOR_MODEL, messages: [{ role: 'user', content }] })
      .withResponse();

  /** A streamed completion from the simulator model, with the usage chunk asked for, and its HTTP response. */
  const streamWithUsage = (messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[]) =>
    gateway
      .client()
      .chat.completions.create({ model: SIMULATOR_MODEL, messages, stream: true, stream_options: { include_usage: true } })
      .withResponse();

  it('the streamed usage chunk carries the cost and the timings, when the client asked for it', async () => {
    gateway.simulator.scenario = () => ({});
    const { data: stream, response } = await streamWithUsage([{ role: 'user', content: 'stream the cost please' }]);
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);

    const usageChunk = chunks.at(-1) as OpenAI.Chat.Completions.ChatCompletionChunk & { ttft_ms: number; latency_ms: number };
    expect(usageChunk.choices).toEqual([]);
    // 4 × 150 + 5 × 600 = 3600 n$ → 4 µ$
    expect(usageChunk.usage).toMatchObject({ prompt_tokens: 4, completion_tokens: 5, cost_microdollars: 4, cost: 0.000004 });
    expect(usageChunk.ttft_ms).toBeGreaterThan(0);
    expect(usageChunk.latency_ms).toBeGreaterThanOrEqual(usageChunk.ttft_ms);

    await gateway.dataPlane!.flushUsage();
    expect(await readUsageRow(gateway, response.headers.get('x-request-id')!)).toMatchObject({ costMicros: 4n, streamed: true, usageEstimated: false });
  });

  it('counts tokens with the tokenizer when the upstream reports no usage, and marks the row estimated', async () => {
    gateway.simulator.scenario = () => ({ omitUsage: true });
    const messages = [{ role: 'user' as const, content: 'An upstream that keeps its usage to itself' }];
    const { data: stream, response } = await streamWithUsage(messages);
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('Echo: An upstream that keeps its usage to itself');

    await gateway.dataPlane!.flushUsage();
    const promptTokens = estimatePromptTokens(messages);
    const completionTokens = countTokens(text);
    expect(await readUsageRow(gateway, response.headers.get('x-request-id')!)).toMatchObject({
      usageEstimated: true,
      promptTokens,
      completionTokens,
      costMicros: BigInt(costMicros(promptTokens, completionTokens)),
    });
  });

  it('estimates the tokens of a stream the upstream cut before its usage, from what was relayed', async () => {
    // Paced, so the stream has started (its first event relayed) when the upstream drops it.
    gateway.simulator.scenario = () => ({ dropAfterChunks: 3, chunkDelayMs: 20 });
    const { data: stream, response } = await streamWithUsage([{ role: 'user', content: 'this stream will be cut short' }]);
    let text = '';
    const failure = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    })().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    // How much arrived before the cut depends on the socket; the estimate must match whatever it was.
    expect(text.startsWith('Echo: this')).toBe(true);

    await gateway.dataPlane!.flushUsage();
    const row = await readUsageRow(gateway, response.headers.get('x-request-id')!);
    expect(row).toMatchObject({ usageEstimated: true, completionTokens: countTokens(text), errorCode: 'upstream_error' });
  });

  it('bills a stream cut before its final usage for the text already relayed, not the usage reported so far', async () => {
    // Anthropic's message_start reports 1 output token; the real count only comes with message_delta.
    anthropic.scenario = () => ({ reply: 'one two three four five six seven eight nine ten', dropAfterChunks: 6, chunkDelayMs: 20 });
    const { data: stream, response } = await gateway
      .client()
      .chat.completions.create({ model: ANTHROPIC_MODEL, messages: [{ role: 'user', content: 'count to ten' }], stream: true })
      .withResponse();
    let text = '';
    const failure = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    })().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    expect(countTokens(text)).toBeGreaterThan(1);

    await gateway.dataPlane!.flushUsage();
    const row = await readUsageRow(gateway, response.headers.get('x-request-id')!);
    expect(row).toMatchObject({ usageEstimated: true, completionTokens: countTokens(text) });
  });

  it('GET /generation returns a request to the key that made it, before and after ingest; other keys and unknown ids get 404', async () => {
    gateway.simulator.scenario = () => ({});
    const { response } = await askSimulator('look me up later');
    const requestId = response.headers.get('x-request-id')!;

    // Right after the response, before usage shipping: answered from the data plane's own record.
    const fresh = await generation(gateway.apiKey, requestId);
    expect(fresh.status).toBe(200);
    expect(fresh.body.data).toMatchObject({
      id: requestId,
      model: SIMULATOR_MODEL,
      provider_name: 'simulator',
      streamed: false,
      status: 200,
      finish_reason: 'stop',
      tokens_prompt: 4,
      tokens_completion: 5,
      cost_microdollars: 4,
      total_cost: 0.000004,
      usage_estimated: false,
      is_byok: false,
    });
    expect(await generationStatus(otherKey, requestId)).toBe(404);

    // A data plane that never served it asks the control plane.
    await gateway.dataPlane!.flushUsage();
    await gateway.dataPlane!.close();
    await gateway.startDataPlane();
    await gateway.dataPlane!.waitForSnapshot();
    const stored = await generation(gateway.apiKey, requestId);
    expect(stored).toEqual(fresh);
    const row = await readUsageRow(gateway, requestId);
    expect(stored.body.data).toMatchObject({ latency: row.totalLatencyMs, ttft: row.ttftMs, created_at: row.startedAt.toISOString() });

    const foreign = await generation(otherKey, requestId);
    expect(foreign.status).toBe(404);
    expect(foreign.body).toMatchObject({ error: { code: 'not_found', param: 'id' } });
    expect(await generationStatus(gateway.apiKey, '00000000-0000-0000-0000-000000000000')).toBe(404);
    const missing = await fetch(`${gateway.dataPlane!.url}/api/gateway/generation`, { headers: { authorization: `Bearer ${gateway.apiKey}` } });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ error: { code: 'invalid_request', param: 'id' } });
  });

  it('still answers GET /generation for the requests it holds while the control plane is down, and 502 for the rest', async () => {
    gateway.simulator.scenario = () => ({});
    const { response } = await askSimulator('held here');
    const requestId = response.headers.get('x-request-id')!;
    await gateway.controlPlane!.close();
    try {
      expect(await generationStatus(gateway.apiKey, requestId)).toBe(200);
      const unreachable = await generation(gateway.apiKey, '00000000-0000-0000-0000-000000000001');
      expect(unreachable.status).toBe(502);
      expect(unreachable.body).toMatchObject({ error: { code: 'upstream_error' } });
    } finally {
      await gateway.startControlPlane();
    }
  });

  it("prices a prompt above a long-context tier's threshold at the tier's prices, from the snapshot", async () => {
    gateway.simulator.scenario = () => ({});
    // Tiers as the catalog import stores them; any catalog change then recompiles the snapshot.
    await gateway.controlPlane!.prisma.modelEndpoint.updateMany({
      where: { modelId: SIMULATOR_MODEL },
      data: { priceTiers: { prompt: [{ start: 5, price: 300 }], completion: [{ start: 5, price: 1200 }] } },
    });
    const admin = createTRPCClient<AppRouter>({
      links: [httpLink({ url: `${gateway.controlPlane!.url}/trpc`, headers: { authorization: `Bearer ${gateway.controlPlane!.adminToken}` } })],
    });
    await admin.catalog.setModelEnabled.mutate({ id: SIMULATOR_MODEL, enabled: true });

    const ask = (content: string) => gateway.client().chat.completions.create({ model: SIMULATOR_MODEL, messages: [{ role: 'user', content }] });
    // 6 prompt tokens > 5: 6 × 300 n$ + 7 completion tokens × 1200 n$ = 10,200 n$ → 10 µ$. Polled, not
    // after one snapshot version: a recompile for earlier usage may publish a version without the tiers.
    await expect
      .poll(async () => (await ask('one two three four five six')).usage, { interval: 50 })
      .toMatchObject({ prompt_tokens: 6, completion_tokens: 7, cost_microdollars: 10 });
    // 5 prompt tokens is not above the threshold: 5 × 150 + 6 × 600 = 4350 n$ → 4 µ$
    expect((await ask('one two three four five')).usage).toMatchObject({ prompt_tokens: 5, completion_tokens: 6, cost_microdollars: 4 });
  });
});
