// xAI and MiniMax are OpenAI-compatible providers with quirks, found by their catalog slugs. Driven with
// the official openai SDK through the gateway against the OpenAI simulator speaking their dialects
// (its `rawBody` scenario): xAI's flat error bodies (a refused key on HTTP 400 is our problem: 502) and
// `reasoning_content`; MiniMax's `base_resp` failures on HTTP 200, `<think>` content moved to
// `reasoning` (streamed too) and max_tokens sent as max_completion_tokens.
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { addCatalogModel } from '../support/add-catalog-model.ts';
import { useGateway } from '../support/gateway-harness.ts';
import { testEngines } from '../support/test-database.ts';
import { latestUsageRow } from '../support/usage-rows.ts';

const XAI_MODEL = 'xai/grok-echo';
const MINIMAX_MODEL = 'minimax/m2-echo';
const prices = { prompt: 200, completion: 1000, cacheRead: null, cacheWrite: null };

type SdkFailure = { status: number; error: { message: string; code: string } };
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => null,
    (error: unknown) => error as SdkFailure,
  );

describe.each(testEngines)('OpenAI-compatible quirks through the gateway (%s)', (engine) => {
  const gateway = useGateway(engine);
  beforeAll(async () => {
    await addCatalogModel(
      gateway,
      { slug: 'xai', kind: 'openai-compatible', baseUrl: gateway.simulator.baseUrl, apiKeyEnv: null },
      { id: XAI_MODEL, name: 'Grok echo', endpoint: { providerSlug: 'xai', upstreamModel: 'grok-3-mini', prices } },
    );
    await addCatalogModel(
      gateway,
      { slug: 'minimax', kind: 'openai-compatible', baseUrl: gateway.simulator.baseUrl, apiKeyEnv: null },
      { id: MINIMAX_MODEL, name: 'MiniMax echo', endpoint: { providerSlug: 'minimax', upstreamModel: 'MiniMax-M2', prices } },
    );
  });
  beforeEach(() => {
    gateway.simulator.scenario = () => ({});
  });

  describe('xAI', () => {
    it('relays reasoning_content', async () => {
      gateway.simulator.scenario = () => ({
        rawBody: JSON.stringify({
          id: 'x1',
          object: 'chat.completion',
          created: 1,
          model: 'grok-3-mini',
          choices: [{ index: 0, message: { role: 'assistant', content: '101', reasoning_content: '100 plus 1 is 101.' }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 14, completion_tokens: 82, total_tokens: 96, completion_tokens_details: { reasoning_tokens: 80 } },
        }),
      });
      const completion = await gateway.client().chat.completions.create({ model: XAI_MODEL, messages: [{ role: 'user', content: '100 + 1?' }] });
      expect(completion.choices[0]!.message).toMatchObject({ content: '101', reasoning_content: '100 plus 1 is 101.' });
      expect(await latestUsageRow(gateway, XAI_MODEL)).toMatchObject({ promptTokens: 14, completionTokens: 82, reasoningTokens: 80, status: 200 });
    });

    it("answers xAI's flat 400 for a refused key with a 502, and its flat 429 with a 429", async () => {
      gateway.simulator.scenario = () => ({
        rawStatus: 400,
        rawBody: '{"code":"Client specified an invalid argument","error":"Incorrect API key provided: xa***wq."}',
      });
      const refused = await failure(gateway.client().chat.completions.create({ model: XAI_MODEL, messages: [{ role: 'user', content: 'x' }] }));
      expect(refused).toMatchObject({
        status: 502,
        error: { code: 'upstream_error', message: "The upstream provider refused the gateway's credentials: Incorrect API key provided: xa***wq." },
      });

      gateway.simulator.scenario = () => ({
        rawStatus: 400,
        rawBody: '{"code":"Client specified an invalid argument","error":"temperature must be at most 2"}',
      });
      expect(
        await failure(gateway.client().chat.completions.create({ model: XAI_MODEL, messages: [{ role: 'user', content: 'x' }], temperature: 3 })),
      ).toMatchObject({
        status: 400,
        error: { message: 'temperature must be at most 2' },
      });

      gateway.simulator.scenario = () => ({ rawStatus: 429, rawBody: '{"code":429,"error":"Your team has reached its monthly spending limit."}' });
      expect(await failure(gateway.client().chat.completions.create({ model: XAI_MODEL, messages: [{ role: 'user', content: 'x' }] }))).toMatchObject({
        status: 429,
        error: { code: 'rate_limited', message: 'Your team has reached its monthly spending limit.' },
      });
    });
  });

  describe('MiniMax', () => {
    it('moves <think> to reasoning and sends max_tokens as max_completion_tokens', async () => {
      gateway.simulator.scenario = () => ({ reply: '<think>\nThe user says hi.\n</think>\n\nHello there' });
      const completion = await gateway.client().chat.completions.create({ model: MINIMAX_MODEL, messages: [{ role: 'user', content: 'hi' }], max_tokens: 100 });
      expect(completion.choices[0]!.message).toMatchObject({ content: 'Hello there', reasoning: '\nThe user says hi.\n' });
      const sent = gateway.simulator.requests.at(-1)!.body as Record<string, unknown>;
      expect(sent).toMatchObject({ model: 'MiniMax-M2', max_completion_tokens: 100 });
      expect(sent).not.toHaveProperty('max_tokens');
    });

    it('streams <think> as delta.reasoning, the SDK assembling the answer', async () => {
      gateway.simulator.scenario = () => ({ reply: '<think>Plan it.</think> Hello there' });
      const stream = await gateway
        .client()
        .chat.completions.create({ model: MINIMAX_MODEL, messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } });
      let content = '';
      let reasoning = '';
      let usage: unknown = null;
      for await (const chunk of stream) {
        const delta = chunk.choices[0]?.delta as { content?: string; reasoning?: string } | undefined;
        content += delta?.content ?? '';
        reasoning += delta?.reasoning ?? '';
        if (chunk.usage) usage = chunk.usage;
      }
      expect({ content, reasoning }).toEqual({ content: 'Hello there', reasoning: 'Plan it.' });
      expect(usage).toMatchObject({ prompt_tokens: 1, completion_tokens: 4 });
      expect(await latestUsageRow(gateway, MINIMAX_MODEL)).toMatchObject({
        promptTokens: 1,
        completionTokens: 4,
        streamed: true,
        status: 200,
        finishReason: 'stop',
      });
    });

    it('turns a base_resp failure on HTTP 200 into the error it stands for, metered as such', async () => {
      const baseResp = (code: number, message: string) =>
        JSON.stringify({ id: '', choices: null, model: '', usage: null, base_resp: { status_code: code, status_msg: message } });
      gateway.simulator.scenario = () => ({ rawBody: baseResp(1002, 'rate limit exceeded(RPM)') });
      expect(await failure(gateway.client().chat.completions.create({ model: MINIMAX_MODEL, messages: [{ role: 'user', content: 'x' }] }))).toMatchObject({
        status: 429,
        error: { code: 'rate_limited', message: 'rate limit exceeded(RPM) (MiniMax status 1002)' },
      });
      expect(await latestUsageRow(gateway, MINIMAX_MODEL)).toMatchObject({ status: 429, errorCode: 'rate_limited' });

      gateway.simulator.scenario = () => ({ rawBody: baseResp(1004, 'login fail') });
      expect(
        await failure(gateway.client().chat.completions.create({ model: MINIMAX_MODEL, messages: [{ role: 'user', content: 'x' }], stream: true })),
      ).toMatchObject({ status: 502 });

      gateway.simulator.scenario = () => ({ rawBody: baseResp(1026, 'input new_sensitive') });
      expect(await failure(gateway.client().chat.completions.create({ model: MINIMAX_MODEL, messages: [{ role: 'user', content: 'x' }] }))).toMatchObject({
        status: 400,
      });
    });
  });
});
