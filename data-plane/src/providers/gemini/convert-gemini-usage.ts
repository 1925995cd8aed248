// Gemini `usageMetadata` → the gateway's token counts. `promptTokenCount` already includes the cached
// part (`cachedContentTokenCount`, reported as the cache read), and tokens spent on built-in tool
// prompts (`toolUsePromptTokenCount`) are billed as input, so they join the prompt. Thinking is reported
// apart from the answer (`thoughtsTokenCount` is not inside `candidatesTokenCount`) but billed as output,
// so the completion is their sum. Gemini has no cache writes to report (explicit caches are created
// through another API).
import type { UnifiedUsage } from '../provider-adapter.ts';
import { tokenCount } from '../read-upstream-json.ts';
import type { GeminiUsageWire } from './gemini-wire.ts';

export function convertGeminiUsage(raw: GeminiUsageWire | null | undefined): UnifiedUsage | null {
  if (raw === null || typeof raw !== 'object') return null;
  if (typeof raw.promptTokenCount !== 'number' && typeof raw.candidatesTokenCount !== 'number') return null;
  const reasoningTokens = tokenCount(raw.thoughtsTokenCount);
  return {
    usage: {
      promptTokens: tokenCount(raw.promptTokenCount) + tokenCount(raw.toolUsePromptTokenCount),
      completionTokens: tokenCount(raw.candidatesTokenCount) + reasoningTokens,
      cacheReadTokens: tokenCount(raw.cachedContentTokenCount),
      cacheWriteTokens: 0,
      reasoningTokens,
    },
    upstreamCostMicros: null,
  };
}
