// The official openai SDK talks to the data plane, which forwards to the simulator: what the SDK sees
// must be what the simulator sent, and each request must land as one usage row with its tokens.
import { describe, expect, it } from 'vitest';
import type OpenAI from 'openai';
import { useGateway, SIMULATOR_MODEL } from '../support/gateway-harness.ts';
import { testEngines } from '../support/test-database.ts';
import { readUsageRow } from '../support/usage-rows.ts';

function parseSseChunks(text: string): unknown[] {
  return text
    .split('\n\n')
    .filter((event) => event.startsWith('data: ') && event !== 'data: [DONE]')
    .map((event) => JSON.parse(event.slice('data: '.length)));
}

describe.each(testEngines)('openai SDK through the gateway (%s)', (engine) => {
  const gateway = useGateway(engine);

  it('relays a non-streamed completion unchanged and meters it', async () => {
    const { data: completion, response } = await gateway
      .client()
      .chat.completions.create({ model: SIMULATOR_MODEL, messages: [{ role: 'user', content: 'Say hello to the gateway' }] })
      .withResponse();

    const upstream = gateway.simulator.requests.at(-1)!;
    expect(upstream.body).toMatchObject({ model: 'echo', messages: [{ role: 'user', content: 'Say hello to the gateway' }] });
    expect(upstream.headers.authorization).toBeUndefined();
    // The changes: the answer names the requested model (the served one is in x-gateway-model), and the
    // usage object also says what the request cost (5 × 150 n$ + 6 × 600 n$ → 4 µ$).
    const sent = JSON.parse(upstream.responseText) as OpenAI.Chat.Completions.ChatCompletion;
    expect(sent.model).toBe('echo');
    expect(completion).toEqual({ ...sent, model: SIMULATOR_MODEL, usage: { ...sent.usage, cost: 0.000004, cost_microdollars: 4 } });
    expect(response.headers.get('x-gateway-model')).toBe(SIMULATOR_MODEL);
    expect(completion.choices[0]?.message.content).toBe('Echo: Say hello to the gateway');

    const requestId = response.headers.get('x-request-id');
    expect(requestId).toBeTruthy();
    await gateway.dataPlane!.flushUsage();
    const row = await readUsageRow(gateway, requestId!);
    expect(row).toMatchObject({
      requestedModel: SIMULATOR_MODEL,
      servedModel: 'echo',
      promptTokens: 5,
      completionTokens: 6,
      streamed: false,
      status: 200,
      // 5 × 150 n$ + 6 × 600 n$ = 4350 n$ → 4 µ$
      costMicros: 4n,
    });
  });

  it('relays a stream chunk for chunk, with the usage chunk the client asked for', async () => {
    const { data: stream, response } = await gateway
      .client()
      .chat.completions.create({
        model: SIMULATOR_MODEL,
        messages: [{ role: 'user', content: 'stream these four words' }],
        stream: true,
        stream_options: { include_usage: true },
      })
      .withResponse();
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);

    const upstream = gateway.simulator.requests.at(-1)!;
    // Chunk for chunk as sent but naming the requested model, and the usage chunk also carries the cost
    // (4 × 150 n$ + 5 × 600 n$ → 4 µ$) and timings.
    const sent = parseSseChunks(upstream.responseText) as OpenAI.Chat.Completions.ChatCompletionChunk[];
    expect(new Set(sent.map((chunk) => chunk.model))).toEqual(new Set(['echo']));
    expect(chunks.slice(0, -1)).toEqual(sent.slice(0, -1).map((chunk) => ({ ...chunk, model: SIMULATOR_MODEL })));
    const sentUsageChunk = sent.at(-1)!;
    expect(chunks.at(-1)).toEqual({
      ...sentUsageChunk,
      model: SIMULATOR_MODEL,
      usage: { ...sentUsageChunk.usage, cost: 0.000004, cost_microdollars: 4 },
      ttft_ms: expect.any(Number),
      latency_ms: expect.any(Number),
    });
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe('Echo: stream these four words');
    expect(chunks.at(-1)?.usage).toMatchObject({ prompt_tokens: 4, completion_tokens: 5 });

    await gateway.dataPlane!.flushUsage();
    const row = await readUsageRow(gateway, response.headers.get('x-request-id')!);
    expect(row).toMatchObject({ promptTokens: 4, completionTokens: 5, streamed: true, status: 200 });
    expect(row.ttftMs).not.toBeNull();
  });

  it('asks the upstream for usage even when the client did not, and keeps that chunk from the client', async () => {
    const { data: stream, response } = await gateway
      .client()
      .chat.completions.create({ model: SIMULATOR_MODEL, messages: [{ role: 'user', content: 'no usage please' }], stream: true })
      .withResponse();
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);

    const upstream = gateway.simulator.requests.at(-1)!;
    expect(upstream.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    const sentByUpstream = parseSseChunks(upstream.responseText) as OpenAI.Chat.Completions.ChatCompletionChunk[];
    expect(chunks).toEqual(sentByUpstream.filter((chunk) => chunk.choices.length > 0).map((chunk) => ({ ...chunk, model: SIMULATOR_MODEL })));
    expect(chunks.some((chunk) => chunk.choices.length === 0)).toBe(false);

    await gateway.dataPlane!.flushUsage();
    const row = await readUsageRow(gateway, response.headers.get('x-request-id')!);
    expect(row).toMatchObject({ promptTokens: 3, completionTokens: 4, streamed: true });
  });
});
