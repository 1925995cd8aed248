// Anthropic-only translation; what every adapter owes a client is in ../stream-translator-contract.test.ts.
import { describe, expect, it } from 'vitest';
import { translateStream, wireFixture, REQUESTED_MODEL } from '../../testing/translate-stream.ts';
import { AnthropicStreamTranslator } from './anthropic-stream-translator.ts';

const translate = (name: string, clientWantsUsage = false) =>
  translateStream(new AnthropicStreamTranslator({ created: 1700000000, clientWantsUsage, model: REQUESTED_MODEL }), wireFixture('anthropic', name));

describe('AnthropicStreamTranslator', () => {
  it('turns a text stream into OpenAI chunks, ping ignored, [DONE] held back', () => {
    const { text, translator } = translate('anthropic-text.1.sse');
    expect(text).toMatchInlineSnapshot(`
      "data: {"id":"msg_01TextStream","object":"chat.completion.chunk","created":1700000000,"model":"gateway/requested-model","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null,"logprobs":null}]}

      data: {"id":"msg_01TextStream","object":"chat.completion.chunk","created":1700000000,"model":"gateway/requested-model","choices":[{"index":0,"delta":{"content":"Hel"},"finish_reason":null,"logprobs":null}]}

      data: {"id":"msg_01TextStream","object":"chat.completion.chunk","created":1700000000,"model":"gateway/requested-model","choices":[{"index":0,"delta":{"content":"lo there."},"finish_reason":null,"logprobs":null}]}

      data: {"id":"msg_01TextStream","object":"chat.completion.chunk","created":1700000000,"model":"gateway/requested-model","choices":[{"index":0,"delta":{},"finish_reason":"stop","logprobs":null}]}

      data: [DONE]

      "
    `);
    expect(Buffer.from(translator.finalBytes!).toString()).toBe('data: [DONE]\n\n');
    // 50 input + 10 cache write + 40 cache read; output from message_delta, not message_start's 1.
    expect(translator.usage?.usage).toEqual({ promptTokens: 100, completionTokens: 12, cacheReadTokens: 40, cacheWriteTokens: 10, reasoningTokens: 0 });
  });

  it('numbers tool calls by their content blocks, then sends the usage-only chunk with cumulative usage', () => {
    const { chunks, translator } = translate('anthropic-tool-call.1.sse', true);
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
    // message_delta repeated the cumulative input counts: they overwrite, never add.
    expect(translator.usage?.usage).toMatchObject({ promptTokens: 100, completionTokens: 25, cacheReadTokens: 40, cacheWriteTokens: 10 });
  });

  it('sends thinking as delta.reasoning and counts thinking tokens as reasoning', () => {
    const { chunks, translator } = translate('anthropic-thinking.1.sse');
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
});
