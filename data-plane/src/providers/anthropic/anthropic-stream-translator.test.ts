import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SseEventSplitter } from '../split-sse-events.ts';
import { AnthropicStreamTranslator } from './anthropic-stream-translator.ts';

const fixture = (name: string) => readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url));

/** Feeds `bytes` cut into `size`-byte pieces, as the pipeline does; returns the client text and the translator. */
function translate(bytes: Buffer, options: { clientWantsUsage?: boolean; size?: number } = {}) {
  const translator = new AnthropicStreamTranslator({ created: 1700000000, clientWantsUsage: options.clientWantsUsage ?? false });
  const splitter = new SseEventSplitter();
  const output: Uint8Array[] = [];
  const size = options.size ?? bytes.length;
  for (let offset = 0; offset < bytes.length; offset += size) {
    for (const event of splitter.push(bytes.subarray(offset, offset + size))) translator.push(event, output);
  }
  translator.end();
  const text = Buffer.concat(output).toString('utf8');
  return {
    text,
    translator,
    chunks: text
      .split('\n\n')
      .filter(Boolean)
      .map((event) => JSON.parse(event.slice('data: '.length))),
  };
}

describe('AnthropicStreamTranslator', () => {
  it('turns a text stream into OpenAI chunks, ping ignored, [DONE] held back', () => {
    const { text, translator } = translate(fixture('anthropic-text.1.sse'));
    expect(text).toMatchInlineSnapshot(`
      "data: {"id":"msg_01TextStream","object":"chat.completion.chunk","created":1700000000,"model":"claude-sonnet-4-5-20250929","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null,"logprobs":null}]}

      data: {"id":"msg_01TextStream","object":"chat.completion.chunk","created":1700000000,"model":"claude-sonnet-4-5-20250929","choices":[{"index":0,"delta":{"content":"Hel"},"finish_reason":null,"logprobs":null}]}

      data: {"id":"msg_01TextStream","object":"chat.completion.chunk","created":1700000000,"model":"claude-sonnet-4-5-20250929","choices":[{"index":0,"delta":{"content":"lo there."},"finish_reason":null,"logprobs":null}]}

      data: {"id":"msg_01TextStream","object":"chat.completion.chunk","created":1700000000,"model":"claude-sonnet-4-5-20250929","choices":[{"index":0,"delta":{},"finish_reason":"stop","logprobs":null}]}

      "
    `);
    expect(Buffer.from(translator.finalBytes!).toString()).toBe('data: [DONE]\n\n');
    expect(translator.failure).toBeNull();
    expect(translator.finishReason).toBe('stop');
    expect(translator.servedModel).toBe('claude-sonnet-4-5-20250929');
    // 50 input + 10 cache write + 40 cache read; output from message_delta, not message_start's 1.
    expect(translator.usage?.usage).toEqual({ promptTokens: 100, completionTokens: 12, cacheReadTokens: 40, cacheWriteTokens: 10, reasoningTokens: 0 });
  });

  it('gives the same chunks however the upstream bytes are cut', () => {
    const whole = translate(fixture('anthropic-tool-call.1.sse'), { clientWantsUsage: true }).text;
    for (const size of [1, 7, 64]) expect(translate(fixture('anthropic-tool-call.1.sse'), { clientWantsUsage: true, size }).text).toBe(whole);
  });

  it('streams tool calls with an index and a function object on every delta, then the usage-only chunk', () => {
    const { chunks, translator } = translate(fixture('anthropic-tool-call.1.sse'), { clientWantsUsage: true });
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
            "content": "Checking.",
          },
          "finish": null,
          "usage": null,
        },
        {
          "delta": {
            "tool_calls": [
              {
                "function": {
                  "arguments": "",
                  "name": "get_weather",
                },
                "id": "toolu_01",
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
                  "arguments": "{"city": "Pa",
                },
                "index": 0,
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
                  "arguments": "ris"}",
                },
                "index": 0,
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
                  "arguments": "",
                  "name": "get_time",
                },
                "id": "toolu_02",
                "index": 1,
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
                },
                "index": 1,
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
            "completion_tokens": 25,
            "completion_tokens_details": {
              "reasoning_tokens": 0,
            },
            "prompt_tokens": 100,
            "prompt_tokens_details": {
              "cache_write_tokens": 10,
              "cached_tokens": 40,
            },
            "total_tokens": 125,
          },
        },
      ]
    `);
    for (const chunk of chunks) for (const call of chunk.choices[0]?.delta.tool_calls ?? []) expect(call.function).toBeTypeOf('object');
    expect(translator.finishReason).toBe('tool_calls');
    // message_delta repeated the cumulative input counts: they overwrite, never add.
    expect(translator.usage?.usage).toMatchObject({ promptTokens: 100, completionTokens: 25, cacheReadTokens: 40, cacheWriteTokens: 10 });
  });

  it('sends thinking as delta.reasoning and counts thinking tokens as reasoning', () => {
    const { chunks, translator } = translate(fixture('anthropic-thinking.1.sse'));
    expect(chunks.map((chunk) => [chunk.choices[0]?.delta, chunk.choices[0]?.finish_reason])).toMatchInlineSnapshot(`
      [
        [
          {
            "content": "",
            "role": "assistant",
          },
          null,
        ],
        [
          {
            "reasoning": "Two plus two",
          },
          null,
        ],
        [
          {
            "reasoning": " is four.",
          },
          null,
        ],
        [
          {
            "content": "4",
          },
          null,
        ],
        [
          {},
          "length",
        ],
      ]
    `);
    expect(translator.usage?.usage).toMatchObject({ completionTokens: 30, reasoningTokens: 22 });
  });

  it('turns a mid-stream `event: error` into a failure and ignores what follows', () => {
    const bytes = Buffer.concat([fixture('anthropic-error.1.sse'), fixture('anthropic-text.1.sse')]);
    const { chunks, translator } = translate(bytes);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta)).toEqual([{ role: 'assistant', content: '' }, { content: 'Partial' }]);
    expect(translator.finalBytes).toBeNull();
    expect(translator.failure?.relayed).toBe(false);
    expect(translator.failure?.error.status).toBe(503);
    expect(translator.failure?.error.toEnvelope()).toMatchInlineSnapshot(`
      {
        "error": {
          "code": "upstream_error",
          "message": "Overloaded",
          "param": null,
          "type": "upstream_error",
        },
      }
    `);
  });

  it('fails on a malformed event and on a stream cut before message_stop, never throwing', () => {
    const malformed = translate(Buffer.from('event: message_start\ndata: {"type":"message_start",\n\n'));
    expect(malformed.translator.failure?.error.message).toBe('The upstream provider sent a malformed stream event.');
    const text = fixture('anthropic-text.1.sse').toString();
    const cut = translate(Buffer.from(text.slice(0, text.indexOf('event: message_delta'))));
    expect(cut.translator.failure?.error.message).toBe('The upstream stream ended before the message was complete.');
    expect(cut.translator.finalBytes).toBeNull();
  });
});
