import { describe, expect, it } from 'vitest';
import { convertAnthropicUsage } from './convert-anthropic-usage.ts';

describe('convertAnthropicUsage', () => {
  it('counts cache reads and writes into the prompt, keeping them apart too', () => {
    expect(convertAnthropicUsage({ input_tokens: 50, output_tokens: 25, cache_creation_input_tokens: 10, cache_read_input_tokens: 40 })).toEqual({
      usage: { promptTokens: 100, completionTokens: 25, cacheReadTokens: 40, cacheWriteTokens: 10, reasoningTokens: 0 },
      upstreamCostMicros: null,
    });
  });

  it('reads thinking tokens, tolerates nulls and returns null without counts', () => {
    expect(
      convertAnthropicUsage({ input_tokens: 3, output_tokens: 9, cache_read_input_tokens: null, output_tokens_details: { thinking_tokens: 5 } })?.usage,
    ).toEqual({
      promptTokens: 3,
      completionTokens: 9,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 5,
    });
    expect(convertAnthropicUsage({})).toBeNull();
    expect(convertAnthropicUsage(null)).toBeNull();
  });
});
