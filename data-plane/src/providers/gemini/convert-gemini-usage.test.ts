import { describe, expect, it } from 'vitest';
import { convertGeminiUsage } from './convert-gemini-usage.ts';

describe('convertGeminiUsage', () => {
  it('keeps the cached part inside the prompt and adds thoughts to the completion', () => {
    expect(
      convertGeminiUsage({ promptTokenCount: 9, candidatesTokenCount: 5, thoughtsTokenCount: 12, cachedContentTokenCount: 4, toolUsePromptTokenCount: 0 }),
    ).toEqual({
      usage: { promptTokens: 9, completionTokens: 17, cacheReadTokens: 4, cacheWriteTokens: 0, reasoningTokens: 12 },
      upstreamCostMicros: null,
    });
  });

  it('bills tool-use prompt tokens as prompt, tolerates missing fields, and returns null without counts', () => {
    expect(convertGeminiUsage({ promptTokenCount: 10, toolUsePromptTokenCount: 3 })?.usage).toEqual({
      promptTokens: 13,
      completionTokens: 0,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
    });
    expect(convertGeminiUsage({ totalTokenCount: 5 } as never)).toBeNull();
    expect(convertGeminiUsage(null)).toBeNull();
  });
});
