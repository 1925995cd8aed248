// Anthropic usage → the gateway's token counts. `input_tokens` excludes cache reads and writes, so the
// prompt is their sum; thinking is already inside `output_tokens` and is reported apart when the
// upstream says how much of it there was.
import type { UnifiedUsage } from '../provider-adapter.ts';
import { tokenCount } from '../read-upstream-json.ts';
import type { AnthropicUsageWire } from './anthropic-wire.ts';

export function convertAnthropicUsage(raw: AnthropicUsageWire | null | undefined): UnifiedUsage | null {
  if (raw === null || typeof raw !== 'object') return null;
  if (typeof raw.input_tokens !== 'number' && typeof raw.output_tokens !== 'number') return null;
  const cacheReadTokens = tokenCount(raw.cache_read_input_tokens);
  const cacheWriteTokens = tokenCount(raw.cache_creation_input_tokens);
  return {
    usage: {
      promptTokens: tokenCount(raw.input_tokens) + cacheReadTokens + cacheWriteTokens,
      completionTokens: tokenCount(raw.output_tokens),
      cacheReadTokens,
      cacheWriteTokens,
      reasoningTokens: tokenCount(raw.output_tokens_details?.thinking_tokens),
    },
    upstreamCostMicros: null,
  };
}
