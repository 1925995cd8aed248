// The gateway's token counts → Anthropic's `usage`; the inverse of providers/anthropic/convert-anthropic-usage.ts:
// Anthropic's `input_tokens` leaves out cache reads and writes, which it reports apart.
import type { UnifiedUsage } from '../../providers/provider-adapter.ts';

export interface AnthropicUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
}

export function toAnthropicUsage(unified: UnifiedUsage | null): AnthropicUsage {
  if (unified === null) return { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
  const { promptTokens, completionTokens, cacheReadTokens, cacheWriteTokens } = unified.usage;
  return {
    input_tokens: Math.max(0, promptTokens - cacheReadTokens - cacheWriteTokens),
    output_tokens: completionTokens,
    cache_creation_input_tokens: cacheWriteTokens,
    cache_read_input_tokens: cacheReadTokens,
  };
}
