import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SseEventSplitter } from '../split-sse-events.ts';
import { GeminiStreamTranslator } from './gemini-stream-translator.ts';

const fixture = (name: string) => readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url));

/** Feeds `bytes` cut into `size`-byte pieces, as the pipeline does; returns the client text (final bytes included) and the translator. */
function translate(bytes: Buffer, options: { clientWantsUsage?: boolean; size?: number } = {}) {
  const translator = new GeminiStreamTranslator({ created: 1700000000, clientWantsUsage: options.clientWantsUsage ?? false });
  const splitter = new SseEventSplitter();
  const output: Uint8Array[] = [];
  const size = options.size ?? bytes.length;
  for (let offset = 0; offset < bytes.length; offset += size) {
    for (const event of splitter.push(bytes.subarray(offset, offset + size))) translator.push(event, output);
  }
  translator.end();
  if (translator.finalBytes !== null) output.push(translator.finalBytes);
  const text = Buffer.concat(output).toString('utf8');
  const events = text
    .split('\n\n')
    .filter(Boolean)
    .map((event) => event.slice('data: '.length));
  return { text, translator, events, chunks: events.filter((event) => event !== '[DONE]').map((event) => JSON.parse(event)) };
}

describe('GeminiStreamTranslator', () => {
  it('turns a \\r\\n\\r\\n-framed text stream into OpenAI chunks and adds the [DONE] Gemini never sends', () => {
    const { text, translator } = translate(fixture('gemini-text.1.sse'));
    expect(text).toMatchInlineSnapshot(`
      "data: {"id":"aF1DaZLFBPHUz7IPk9fA-QE","object":"chat.completion.chunk","created":1700000000,"model":"gemini-2.5-flash","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null,"logprobs":null}]}

      data: {"id":"aF1DaZLFBPHUz7IPk9fA-QE","object":"chat.completion.chunk","created":1700000000,"model":"gemini-2.5-flash","choices":[{"index":0,"delta":{"content":"Hel"},"finish_reason":null,"logprobs":null}]}

      data: {"id":"aF1DaZLFBPHUz7IPk9fA-QE","object":"chat.completion.chunk","created":1700000000,"model":"gemini-2.5-flash","choices":[{"index":0,"delta":{"content":"lo there."},"finish_reason":null,"logprobs":null}]}

      data: {"id":"aF1DaZLFBPHUz7IPk9fA-QE","object":"chat.completion.chunk","created":1700000000,"model":"gemini-2.5-flash","choices":[{"index":0,"delta":{},"finish_reason":"stop","logprobs":null}]}

      data: [DONE]

      "
    `);
    expect(translator.failure).toBeNull();
    expect(translator.finishReason).toBe('stop');
    // The partial usage of the first events (prompt only) was replaced by the last event's.
    expect(translator.usage?.usage).toEqual({ promptTokens: 6, completionTokens: 3, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 });
  });

  it('gives the same chunks however the upstream bytes are cut, and accepts \\n\\n framing too', () => {
    const whole = translate(fixture('gemini-tool-call.1.sse'), { clientWantsUsage: true }).text;
    for (const size of [1, 7, 64]) expect(translate(fixture('gemini-tool-call.1.sse'), { clientWantsUsage: true, size }).text).toBe(whole);
    const lf = Buffer.from(fixture('gemini-tool-call.1.sse').toString().replaceAll('\r\n', '\n'));
    expect(translate(lf, { clientWantsUsage: true, size: 5 }).text).toBe(whole);
  });

  it('streams thoughts as reasoning, whole function calls as tool_calls deltas, then the usage-only chunk and [DONE]', () => {
    const { chunks, events, translator } = translate(fixture('gemini-tool-call.1.sse'), { clientWantsUsage: true });
    expect(chunks.map((chunk) => ({ delta: chunk.choices[0]?.delta, finish: chunk.choices[0]?.finish_reason, usage: chunk.usage }))).toMatchInlineSnapshot(`
      [
        {
          "delta": {
            "content": "",
            "role": "assistant",
          },
          "finish": null,
          "usage": null,
        },
        {
          "delta": {
            "reasoning": "Weather needs a tool call.",
          },
          "finish": null,
          "usage": null,
        },
        {
          "delta": {
            "content": "Checking.",
          },
          "finish": null,
          "usage": null,
        },
        {
          "delta": {
            "tool_calls": [
              {
                "extra_content": {
                  "google": {
                    "thought_signature": "CiQB0e2Kb1x0c2lnbmF0dXJl",
                  },
                },
                "function": {
                  "arguments": "{"city":"Paris"}",
                  "name": "get_weather",
                },
                "id": "call_0",
                "index": 0,
                "type": "function",
              },
            ],
          },
          "finish": null,
          "usage": null,
        },
        {
          "delta": {
            "tool_calls": [
              {
                "function": {
                  "arguments": "{"zone":"CET"}",
                  "name": "get_time",
                },
                "id": "call_1",
                "index": 1,
                "type": "function",
              },
            ],
          },
          "finish": null,
          "usage": null,
        },
        {
          "delta": {},
          "finish": "tool_calls",
          "usage": null,
        },
        {
          "delta": undefined,
          "finish": undefined,
          "usage": {
            "completion_tokens": 61,
            "completion_tokens_details": {
              "reasoning_tokens": 40,
            },
            "prompt_tokens": 57,
            "prompt_tokens_details": {
              "cache_write_tokens": 0,
              "cached_tokens": 32,
            },
            "total_tokens": 118,
          },
        },
      ]
    `);
    expect(events.at(-1)).toBe('[DONE]');
    expect(translator.finishReason).toBe('tool_calls');
    // The usage-only chunk is held back with [DONE], so it only goes out once the usage event is durable.
    expect(Buffer.from(translator.finalBytes!).toString()).toMatch(/^data: \{.*"choices":\[\],"usage":.*\n\ndata: \[DONE\]\n\n$/);
  });

  it('keeps one choice per candidate and continues tool call numbering across events', () => {
    const event = (body: object) => `data: ${JSON.stringify(body)}\r\n\r\n`;
    const bytes = Buffer.from(
      event({
        candidates: [
          { content: { parts: [{ functionCall: { name: 'f', args: {} } }] }, index: 0 },
          { content: { parts: [{ text: 'B' }] }, index: 1 },
        ],
      }) +
        event({ candidates: [{ content: { parts: [{ functionCall: { name: 'g', args: { x: 1 } } }] }, finishReason: 'STOP', index: 0 }] }) +
        event({
          candidates: [{ content: { parts: [] }, finishReason: 'MAX_TOKENS', index: 1 }],
          usageMetadata: { promptTokenCount: 2, candidatesTokenCount: 3 },
        }),
    );
    const { chunks, translator } = translate(bytes);
    expect(
      chunks.map((chunk) => [
        chunk.choices[0].index,
        chunk.choices[0].delta.tool_calls?.[0]?.id ?? chunk.choices[0].delta.content,
        chunk.choices[0].finish_reason,
      ]),
    ).toEqual([
      [0, '', null],
      [0, 'call_0', null],
      [1, '', null],
      [1, 'B', null],
      [0, 'call_1', null],
      [0, undefined, 'tool_calls'],
      [1, undefined, 'length'],
    ]);
    expect(translator.finishReason).toBe('tool_calls');
  });

  it('turns a blocked prompt into an empty content_filter answer', () => {
    const { chunks, translator } = translate(Buffer.from('data: {"promptFeedback":{"blockReason":"SAFETY"},"usageMetadata":{"promptTokenCount":4}}\r\n\r\n'));
    expect(chunks.map((chunk) => [chunk.choices[0].delta, chunk.choices[0].finish_reason])).toEqual([
      [{ role: 'assistant', content: '' }, null],
      [{}, 'content_filter'],
    ]);
    expect(translator.failure).toBeNull();
  });

  it('turns an error event into a failure that keeps its status, and ignores what follows', () => {
    const bytes = Buffer.concat([fixture('gemini-error.1.sse'), fixture('gemini-text.1.sse')]);
    const { chunks, translator } = translate(bytes);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta)).toEqual([{ role: 'assistant', content: '' }, { content: 'Partial' }]);
    expect(translator.finalBytes).toBeNull();
    expect(translator.failure?.relayed).toBe(false);
    expect(translator.failure?.error.status).toBe(503);
    expect(translator.failure?.error.toEnvelope()).toMatchInlineSnapshot(`
      {
        "error": {
          "code": "upstream_error",
          "message": "The model is overloaded. Please try again later.",
          "param": null,
          "type": "upstream_error",
        },
      }
    `);
  });

  it('fails on a malformed event and on a stream that ends before the finish, never throwing', () => {
    const malformed = translate(Buffer.from('data: {"candidates":[\r\n\r\n'));
    expect(malformed.translator.failure?.error.message).toBe('The upstream provider sent a malformed stream event.');
    const text = fixture('gemini-text.1.sse').toString();
    const cut = translate(Buffer.from(text.slice(0, text.lastIndexOf('data: '))));
    expect(cut.translator.failure?.error.message).toBe('The upstream stream ended before the response was complete.');
    expect(cut.translator.finalBytes).toBeNull();
    expect(translate(Buffer.alloc(0)).translator.failure).not.toBeNull();
  });
});
