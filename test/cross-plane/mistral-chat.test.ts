// Mistral chat as provider kind `mistral`, driven with the official openai SDK: OpenAI-shaped answers
// from the Mistral simulator (which, like Mistral, rejects unknown fields and tool-call ids that are not
// 9 letters and digits), so a client's OpenAI habits (stream_options, seed, max_completion_tokens,
// `call_…` ids, developer messages) must be translated for it to answer at all.
import type OpenAI from 'openai';
import { beforeEach, describe, expect, it } from 'vitest';
import { useGateway } from '../support/gateway-harness.ts';
import { useSimulatedProvider } from '../support/simulated-provider.ts';
import { testEngines } from '../support/test-database.ts';
import { latestUsageRow } from '../support/usage-rows.ts';

const MODEL = 'mistral/mistral-small';

describe.each(testEngines)('Mistral chat through the gateway (%s)', (engine) => {
  const gateway = useGateway(engine);
  const simulator = useSimulatedProvider(gateway, 'mistral', {
    apiKey: 'mistral-cross-plane-chat',
    slug: 'mistral-chat-simulator',
    id: MODEL,
    name: 'Mistral Small',
    upstreamModel: 'mistral-small-2506',
    prices: { prompt: 100, completion: 300, cacheRead: null, cacheWrite: null },
  });
  beforeEach(() => {
    simulator.scenario = () => ({});
  });

  it('answers a tool-call round trip with OpenAI ids, seed and max_completion_tokens translated', async () => {
    simulator.scenario = () => ({ toolCall: { id: 'D681PevKs', name: 'get_weather', arguments: '{"city":"Paris"}' } });
    const completion = await gateway.client().chat.completions.create({
      model: MODEL,
      messages: [
        { role: 'developer', content: 'Be brief.' },
        { role: 'user', content: 'Weather in Paris?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'call_9f8e7d6c5b', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Lyon"}' } }],
        },
        { role: 'tool', tool_call_id: 'call_9f8e7d6c5b', content: 'rain' },
        { role: 'user', content: 'And Paris?' },
      ],
      seed: 42,
      max_completion_tokens: 50,
    });
    expect(completion.choices[0]).toMatchObject({
      finish_reason: 'tool_calls',
      message: {
        content: 'Echo: And Paris?',
        tool_calls: [{ id: 'D681PevKs', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
      },
    });
    const sent = simulator.requests.at(-1)!.body as { messages: Array<{ role: string; tool_call_id?: string; tool_calls?: Array<{ id: string }> }> } & Record<
      string,
      unknown
    >;
    expect(sent).toMatchObject({ model: 'mistral-small-2506', random_seed: 42, max_tokens: 50 });
    expect(sent.messages[0]!.role).toBe('system');
    expect(sent.messages[2]!.tool_calls![0]!.id).toMatch(/^[a-zA-Z0-9]{9}$/);
    expect(sent.messages[3]!.tool_call_id).toBe(sent.messages[2]!.tool_calls![0]!.id);
    expect(await latestUsageRow(gateway, MODEL)).toMatchObject({
      servedModel: 'mistral-small-2506',
      finishReason: 'tool_calls',
      status: 200,
      usageEstimated: false,
      completionTokens: 3,
    });
  });

  it('streams with the usage-only chunk the client asked for, without sending Mistral stream_options', async () => {
    const stream = gateway
      .client()
      .chat.completions.stream({ model: MODEL, messages: [{ role: 'user', content: 'one two three' }], stream_options: { include_usage: true } });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    stream.on('chunk', (chunk) => chunks.push(chunk));
    const final = await stream.finalChatCompletion();
    expect(final.choices[0]).toMatchObject({ finish_reason: 'stop', message: { content: 'Echo: one two three' } });
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 } });
    expect(simulator.requests.at(-1)!.body).not.toHaveProperty('stream_options');
    expect(await latestUsageRow(gateway, MODEL)).toMatchObject({ promptTokens: 3, completionTokens: 4, streamed: true, status: 200, finishReason: 'stop' });
  });

  it('maps model_length to length and reasoning content chunks to reasoning', async () => {
    simulator.scenario = () => ({ finishReason: 'model_length', thinking: 'Short answer.' });
    const completion = await gateway.client().chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] });
    expect(completion.choices[0]).toMatchObject({ finish_reason: 'length', message: { content: 'Echo: hi', reasoning: 'Short answer.' } });
    expect(await latestUsageRow(gateway, MODEL)).toMatchObject({ finishReason: 'length' });
  });

  it("turns Mistral's 422 into a 400 naming the field and its 401 into a 502", async () => {
    const failure = (promise: Promise<unknown>) =>
      promise.then(
        () => null,
        (error: unknown) => error as { status: number; error: { message: string; param: string | null } },
      );
    const unknownField = await failure(
      gateway.client().chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'x' }], logit_bias: { '1': 1 } }),
    );
    expect(unknownField).toMatchObject({
      status: 400,
      error: { message: "Invalid request: 'logit_bias': Extra inputs are not permitted.", param: 'logit_bias' },
    });
    simulator.scenario = () => ({ status: 401 });
    const refused = await failure(gateway.client().chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'x' }] }));
    expect(refused).toMatchObject({ status: 502, error: { message: "The upstream provider refused the gateway's credentials: simulated upstream error 401" } });
  });
});
