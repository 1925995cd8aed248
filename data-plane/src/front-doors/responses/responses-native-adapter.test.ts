import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../../shared/src/errors.ts';
import { SseEventSplitter } from '../../providers/split-sse-events.ts';
import { wireFixture, REQUESTED_MODEL } from '../../testing/translate-stream.ts';
import { convertResponsesRequest } from './convert-responses-request.ts';
import { createResponsesNativeAdapter, ResponsesNativeStream } from './responses-native-adapter.ts';
import { parseUpstreamBody } from '../../testing/upstream-body.ts';

const context = { created: 1_700_000_000, clientWantsUsage: true, model: REQUESTED_MODEL };

function adapterFor(body: Record<string, unknown>) {
  const converted = convertResponsesRequest(Buffer.from(JSON.stringify(body)));
  return { adapter: createResponsesNativeAdapter(converted.body, () => {}), chat: converted.chat };
}

function relay(bytes: Buffer) {
  const stream = new ResponsesNativeStream(REQUESTED_MODEL);
  const output: Uint8Array[] = [];
  for (const event of new SseEventSplitter().push(bytes)) stream.push(event, output);
  stream.end();
  return { stream, relayed: Buffer.concat(output).toString('utf8'), final: stream.finalBytes === null ? '' : Buffer.from(stream.finalBytes).toString('utf8') };
}

describe('createResponsesNativeAdapter', () => {
  it("sends the client's body to /responses with the upstream model, store: false and no routing extras", () => {
    const { adapter, chat } = adapterFor({
      model: 'openai/gpt-4.1',
      input: [{ role: 'user', content: 'hi' }],
      include: ['reasoning.encrypted_content'],
      provider: { order: ['openai'] },
      models: ['x/y'],
      stream: true,
    });
    const request = adapter.convertRequest(chat, { url: 'https://api.openai.com/v1/chat/completions', upstreamModel: 'gpt-4.1', apiKey: 'sk-platform' });
    expect(request.url).toBe('https://api.openai.com/v1/responses');
    expect(request.headers).toEqual({ 'content-type': 'application/json', authorization: 'Bearer sk-platform' });
    expect(parseUpstreamBody(request.body)).toEqual({
      model: 'gpt-4.1',
      input: [{ role: 'user', content: 'hi' }],
      include: ['reasoning.encrypted_content'],
      stream: true,
      store: false,
    });
  });

  it('passes a complete response through as it came and meters its usage', () => {
    const { adapter } = adapterFor({ model: 'openai/gpt-4.1', input: 'hi' });
    const completed = wireFixture('openai-compatible', 'openai-responses-text.1.sse').toString('utf8').trim().split('\n').at(-1)!.slice('data: '.length);
    const body = Buffer.from(JSON.stringify((JSON.parse(completed) as { response: unknown }).response));
    const converted = adapter.convertResponse(body, context);
    expect(converted).toMatchObject({
      body,
      finishReason: 'stop',
      servedModel: 'gpt-4.1-2025-04-14',
      usage: { usage: { promptTokens: 37, completionTokens: 11, cacheReadTokens: 12, cacheWriteTokens: 0, reasoningTokens: 4 }, upstreamCostMicros: null },
    });
  });
});

describe('ResponsesNativeStream', () => {
  it("relays every event byte for byte but for the response's model (the requested one), and holds response.completed back, metering its usage", () => {
    const bytes = wireFixture('openai-compatible', 'openai-responses-text.1.sse');
    const { stream, relayed, final } = relay(bytes);
    expect(relayed + final).toBe(bytes.toString('utf8').replaceAll('"model":"gpt-4.1-2025-04-14"', `"model":"${REQUESTED_MODEL}"`));
    expect(final.startsWith('event: response.completed\n')).toBe(true);
    expect(stream.failure).toBeNull();
    expect(stream.usage?.usage).toEqual({ promptTokens: 37, completionTokens: 11, cacheReadTokens: 12, cacheWriteTokens: 0, reasoningTokens: 4 });
    expect(stream).toMatchObject({ finishReason: 'stop', servedModel: 'gpt-4.1-2025-04-14' });
  });

  it('fails a stream that ends before response.completed; failedFrame continues the sequence', () => {
    const bytes = wireFixture('openai-compatible', 'openai-responses-text.1.sse');
    const cut = bytes.subarray(0, bytes.indexOf('event: response.output_text.done'));
    const { stream, relayed } = relay(cut);
    expect(stream.failure).toMatchObject({ relayed: false, error: { code: 'upstream_error' } });
    const frame = Buffer.from(stream.failedFrame(new GatewayError('upstream_timeout', 'The upstream stopped sending.'))).toString('utf8');
    const relayedCount = relayed.split('\n\n').filter(Boolean).length;
    expect(frame).toBe(
      `event: error\ndata: ${JSON.stringify({ type: 'error', code: 'upstream_timeout', message: 'The upstream stopped sending.', param: null, sequence_number: relayedCount })}\n\n`,
    );
  });

  it('relays an upstream response.failed and fails the stream with its message', () => {
    const failed = `event: response.failed\ndata: ${JSON.stringify({ type: 'response.failed', sequence_number: 2, response: { status: 'failed', error: { code: 'server_error', message: 'The model crashed.' }, usage: null } })}\n\n`;
    const { stream, relayed } = relay(Buffer.from(failed));
    expect(relayed).toBe(failed);
    expect(stream.failure).toMatchObject({ relayed: true, error: { message: 'The model crashed.' } });
  });
});
