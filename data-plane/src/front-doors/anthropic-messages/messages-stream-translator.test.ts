import { REQUESTED_MODEL } from '../../testing/translate-stream.ts';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AnthropicStreamTranslator } from '../../providers/anthropic/anthropic-stream-translator.ts';
import { CompletionText } from '../../metering/completion-text.ts';
import { MeteredChunkStream } from '../../metering/meter-chunk-stream.ts';
import { GeminiStreamTranslator } from '../../providers/gemini/gemini-stream-translator.ts';
import { OpenAICompatibleStreamTranslator } from '../../providers/openai-compatible/openai-compatible-stream-translator.ts';
import type { StreamTranslator } from '../../providers/provider-adapter.ts';
import { SseEventSplitter } from '../../providers/split-sse-events.ts';
import { anthropicMessagesErrors } from './anthropic-messages-errors.ts';
import { MessagesStreamTranslator } from './messages-stream-translator.ts';

const context = { created: 1764000000, clientWantsUsage: false, model: REQUESTED_MODEL };
const fixture = (path: string) => readFileSync(new URL(path, import.meta.url));

/** Replays upstream bytes through `inner` wrapped in the Messages translator; returns the client's bytes (final bytes included). */
function translate(bytes: Buffer, inner: StreamTranslator) {
  const translator = new MessagesStreamTranslator(inner, 'msg_req1', anthropicMessagesErrors);
  const splitter = new SseEventSplitter();
  const output: Uint8Array[] = [];
  for (const event of splitter.push(bytes)) translator.push(event, output);
  translator.end();
  if (translator.finalBytes !== null) output.push(translator.finalBytes);
  const text = Buffer.concat(output).toString('utf8');
  return { text, translator, events: text.split('\n\n').filter(Boolean) };
}

describe('MessagesStreamTranslator', () => {
  it("turns an OpenAI tool-call stream into Anthropic's event sequence, usage in message_delta", () => {
    const { text, translator } = translate(
      fixture('../../providers/openai-compatible/__fixtures__/openai-tool-call.1.sse'),
      new OpenAICompatibleStreamTranslator(context),
    );
    expect(text).toMatchInlineSnapshot(`
      "event: message_start
      data: {"type":"message_start","message":{"id":"msg_req1","type":"message","role":"assistant","model":"gateway/requested-model","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":0,"output_tokens":0,"cache_creation_input_tokens":0,"cache_read_input_tokens":0}}}

      event: ping
      data: {"type":"ping"}

      event: content_block_start
      data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

      event: content_block_delta
      data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Checking"}}

      event: content_block_delta
      data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" both."}}

      event: content_block_stop
      data: {"type":"content_block_stop","index":0}

      event: content_block_start
      data: {"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"call_weather1","name":"get_weather","input":{}}}

      event: content_block_delta
      data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\\"city\\":"}}

      event: content_block_delta
      data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":" \\"Paris\\"}"}}

      event: content_block_stop
      data: {"type":"content_block_stop","index":1}

      event: content_block_start
      data: {"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"call_time2","name":"get_time","input":{}}}

      event: content_block_delta
      data: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\\"zone\\":\\"CET\\"}"}}

      event: content_block_stop
      data: {"type":"content_block_stop","index":2}

      event: message_delta
      data: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"input_tokens":16,"output_tokens":31,"cache_creation_input_tokens":0,"cache_read_input_tokens":64}}

      event: message_stop
      data: {"type":"message_stop"}

      "
    `);
    expect(translator.failure).toBeNull();
    expect(translator.finishReason).toBe('tool_calls');
    expect(translator.usage?.usage).toMatchObject({ promptTokens: 80, completionTokens: 31, cacheReadTokens: 64 });
  });

  it("round-trips through the Anthropic adapter's own stream translator: Gemini thinking, text and two tool calls", () => {
    const { text } = translate(fixture('../../providers/gemini/__fixtures__/gemini-tool-call.1.sse'), new GeminiStreamTranslator(context));
    const back = new AnthropicStreamTranslator({ ...context, clientWantsUsage: true });
    const chunks: Uint8Array[] = [];
    for (const event of new SseEventSplitter().push(Buffer.from(text))) back.push(event, chunks);
    const deltas = Buffer.concat(chunks)
      .toString()
      .split('\n\n')
      .filter(Boolean)
      .map((event) => JSON.parse(event.slice('data: '.length)) as { choices: Array<{ delta: Record<string, unknown> }> })
      .flatMap((chunk) => chunk.choices.map((choice) => choice.delta));
    expect(deltas.filter((delta) => delta.reasoning !== undefined).map((delta) => delta.reasoning)).toEqual(['Weather needs a tool call.']);
    expect(deltas.filter((delta) => typeof delta.content === 'string' && delta.content !== '').map((delta) => delta.content)).toEqual(['Checking.']);
    expect(deltas.flatMap((delta) => (delta.tool_calls as Array<{ function: { name?: string; arguments: string } }> | undefined) ?? [])).toMatchObject([
      { function: { name: 'get_weather', arguments: '' } },
      { function: { arguments: '{"city":"Paris"}' } },
      { function: { name: 'get_time', arguments: '' } },
      { function: { arguments: '{"zone":"CET"}' } },
    ]);
    expect(back.finishReason).toBe('tool_calls');
    expect(back.usage?.usage).toEqual({ promptTokens: 57, completionTokens: 61, cacheReadTokens: 32, cacheWriteTokens: 0, reasoningTokens: 0 });
    expect(back.finalBytes).not.toBeNull();
  });

  it("passes the gateway's cost fields from the usage chunk into message_delta's usage, relayed or held back with [DONE]", () => {
    const metered = (inner: StreamTranslator) =>
      new MeteredChunkStream(inner, new CompletionText(), {
        usageChunkFields: (usage) => ({ usage: { cost_microdollars: usage.usage.promptTokens * 2 }, chunk: {} }),
      });
    const messageDelta = (text: string) =>
      JSON.parse(
        text
          .split('\n\n')
          .find((event) => event.startsWith('event: message_delta'))!
          .split('\ndata: ')[1]!,
      );
    const withUsage = { ...context, clientWantsUsage: true };
    const openai = translate(
      fixture('../../providers/openai-compatible/__fixtures__/openai-tool-call.1.sse'),
      metered(new OpenAICompatibleStreamTranslator(withUsage)),
    );
    expect(messageDelta(openai.text).usage).toEqual({
      input_tokens: 16,
      output_tokens: 31,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 64,
      cost_microdollars: 160,
    });
    const gemini = translate(fixture('../../providers/gemini/__fixtures__/gemini-tool-call.1.sse'), metered(new GeminiStreamTranslator(withUsage)));
    expect(messageDelta(gemini.text).usage).toMatchObject({ input_tokens: 25, cache_read_input_tokens: 32, cost_microdollars: 114 });
    expect(gemini.text).not.toContain('chat.completion.chunk');
  });

  it('reads chunks the wrapped translator held back with [DONE], closing the open block before message_delta', () => {
    const chunk = (delta: object, finishReason: string | null) =>
      `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', model: 'm', choices: [{ index: 0, delta, finish_reason: finishReason }] })}\n\n`;
    let heldBack: Uint8Array | null = null;
    const holdingBack: StreamTranslator = {
      usage: null,
      finishReason: 'length',
      servedModel: 'm',
      failure: null,
      get finalBytes() {
        return heldBack;
      },
      push(_event, output) {
        output.push(Buffer.from(chunk({ content: 'Hi' }, null)));
        heldBack = Buffer.from(`${chunk({}, 'length')}data: [DONE]\n\n`);
      },
      end() {},
    };
    const { events } = translate(Buffer.from('data: {}\n\n'), holdingBack);
    expect(events.map((event) => event.split('\n')[0])).toEqual([
      'event: message_start',
      'event: ping',
      'event: content_block_start',
      'event: content_block_delta',
      'event: content_block_stop',
      'event: message_delta',
      'event: message_stop',
    ]);
    expect(events.at(-2)).toContain('"stop_reason":"max_tokens"');
  });

  it("re-sends a relayed upstream error frame as Anthropic's event: error and holds back message_stop", () => {
    const { events, translator } = translate(
      fixture('../../providers/openai-compatible/__fixtures__/openai-error.1.sse'),
      new OpenAICompatibleStreamTranslator(context),
    );
    expect(events.map((event) => event.split('\n')[0])).toEqual([
      'event: message_start',
      'event: ping',
      'event: content_block_start',
      'event: content_block_delta',
      'event: error',
    ]);
    expect(events.at(-1)).toBe(
      'event: error\ndata: {"type":"error","error":{"type":"api_error","message":"The server had an error while processing your request."}}',
    );
    expect(translator.failure?.relayed).toBe(true);
    expect(translator.finalBytes).toBeNull();
  });
});
