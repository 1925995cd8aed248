// OpenAI-style `usage` → the gateway's token counts (prompt includes cached reads and writes,
// completion includes reasoning), plus the upstream's own cost when it reports one (OpenRouter's
// `usage.cost`, USD). Returns null when the object carries no token counts.
import type { UnifiedUsage } from '../provider-adapter.ts';
import type { OpenAICompatibleUsageWire } from './openai-compatible-wire.ts';

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.floor(value) : 0;
}

export function convertOpenAICompatibleUsage(raw: unknown): UnifiedUsage | null {
  if (raw === null || typeof raw !== 'object') return null;
  const usage = raw as OpenAICompatibleUsageWire;
  if (typeof usage.prompt_tokens !== 'number' && typeof usage.completion_tokens !== 'number') return null;
  const promptDetails = usage.prompt_tokens_details ?? null;
  const completionDetails = usage.completion_tokens_details ?? null;
  const cost = typeof usage.cost === 'number' && Number.isFinite(usage.cost) && usage.cost >= 0 ? Math.round(usage.cost * 1_000_000) : null;
  return {
    usage: {
      promptTokens: count(usage.prompt_tokens),
      completionTokens: count(usage.completion_tokens),
      cacheReadTokens: count(promptDetails?.cached_tokens),
      cacheWriteTokens: count(promptDetails?.cache_write_tokens),
      reasoningTokens: count(completionDetails?.reasoning_tokens),
    },
    upstreamCostMicros: cost,
  };
}
