// Anthropic usage → the gateway's token counts. `input_tokens` excludes cache reads and writes, so the
// prompt is their sum; thinking is already inside `output_tokens` and is reported apart when the
// upstream says how much of it there was.
import type { UnifiedUsage } from '../provider-adapter.ts';
import type { AnthropicUsageWire } from './anthropic-wire.ts';

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.floor(value) : 0;
}

export function convertAnthropicUsage(raw: AnthropicUsageWire | null | undefined): UnifiedUsage | null {
  if (raw === null || typeof raw !== 'object') return null;
  if (typeof raw.input_tokens !== 'number' && typeof raw.output_tokens !== 'number') return null;
  const cacheReadTokens = count(raw.cache_read_input_tokens);
  const cacheWriteTokens = count(raw.cache_creation_input_tokens);
  return {
    usage: {
      promptTokens: count(raw.input_tokens) + cacheReadTokens + cacheWriteTokens,
      completionTokens: count(raw.output_tokens),
      cacheReadTokens,
      cacheWriteTokens,
      reasoningTokens: count(raw.output_tokens_details?.thinking_tokens),
    },
    upstreamCostMicros: null,
  };
}
