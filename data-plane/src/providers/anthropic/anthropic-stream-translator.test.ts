// Anthropic-only translation; what every adapter owes a client is in ../stream-translator-contract.test.ts.
import { describe, expect, it } from 'vitest';
import { translateStream, wireFixture, REQUESTED_MODEL } from '../../testing/translate-stream.ts';
import { AnthropicStreamTranslator } from './anthropic-stream-translator.ts';

const translate = (name: string, clientWantsUsage = false) =>
  translateStream(new AnthropicStreamTranslator({ created: 1700000000, clientWantsUsage, model: REQUESTED_MODEL }), wireFixture('anthropic', name));

describe('AnthropicStreamTranslator', () => {
  it('turns a text stream into OpenAI chunks, ping ignored, [DONE] held back', () => {
    const { text, translator } = translate('anthropic-text.1.sse');
    expect(text).toMatchSnapshot();
    expect(Buffer.from(translator.finalBytes!).toString()).toBe('data: [DONE]\n\n');
    // 50 input + 10 cache write + 40 cache read; output from message_delta, not message_start's 1.
    expect(translator.usage?.usage).toEqual({ promptTokens: 100, completionTokens: 12, cacheReadTokens: 40, cacheWriteTokens: 10, reasoningTokens: 0 });
  });

  it('numbers tool calls by their content blocks, then sends the usage-only chunk with cumulative usage', () => {
    const { chunks, translator } = translate('anthropic-tool-call.1.sse', true);
    expect(chunks.map((chunk) => ({ delta: chunk.choices[0]?.delta, finish: chunk.choices[0]?.finish_reason, usage: chunk.usage }))).toMatchSnapshot();
    // message_delta repeated the cumulative input counts: they overwrite, never add.
    expect(translator.usage?.usage).toMatchObject({ promptTokens: 100, completionTokens: 25, cacheReadTokens: 40, cacheWriteTokens: 10 });
  });

  it('sends thinking as delta.reasoning and counts thinking tokens as reasoning', () => {
    const { chunks, translator } = translate('anthropic-thinking.1.sse');
    expect(chunks.map((chunk) => [chunk.choices[0]?.delta, chunk.choices[0]?.finish_reason])).toMatchSnapshot();
    expect(translator.usage?.usage).toMatchObject({ completionTokens: 30, reasoningTokens: 22 });
  });
});
