// OpenAI-style `usage` → the gateway's token counts (prompt includes cached reads and writes,
// completion includes reasoning), plus the upstream's own cost when it reports one (OpenRouter's
// `usage.cost` in USD, xAI's `cost_in_usd_ticks` in 1e-10 USD). Returns null when the object carries no
// token counts. xAI counts reasoning apart from `completion_tokens` (its total is prompt + completion +
// reasoning, where OpenAI's is prompt + completion): the total says which convention a usage follows.
import type { UnifiedUsage } from '../provider-adapter.ts';
import { tokenCount } from '../read-upstream-json.ts';
import type { OpenAICompatibleUsageWire } from './openai-compatible-wire.ts';

export function convertOpenAICompatibleUsage(raw: unknown): UnifiedUsage | null {
  if (raw === null || typeof raw !== 'object') return null;
  const usage = raw as OpenAICompatibleUsageWire;
  if (typeof usage.prompt_tokens !== 'number' && typeof usage.completion_tokens !== 'number') return null;
  const promptDetails = usage.prompt_tokens_details ?? null;
  const completionDetails = usage.completion_tokens_details ?? null;
  const promptTokens = tokenCount(usage.prompt_tokens);
  const reasoningTokens = tokenCount(completionDetails?.reasoning_tokens);
  let completionTokens = tokenCount(usage.completion_tokens);
  if (reasoningTokens > 0 && tokenCount(usage.total_tokens) === promptTokens + completionTokens + reasoningTokens) completionTokens += reasoningTokens;
  return {
    usage: {
      promptTokens,
      completionTokens,
      cacheReadTokens: tokenCount(promptDetails?.cached_tokens),
      cacheWriteTokens: tokenCount(promptDetails?.cache_write_tokens),
      reasoningTokens,
    },
    upstreamCostMicros: upstreamCostMicros(usage),
  };
}

function upstreamCostMicros(usage: OpenAICompatibleUsageWire): number | null {
  const { cost, cost_in_usd_ticks: ticks } = usage;
  if (typeof cost === 'number' && Number.isFinite(cost) && cost >= 0) return Math.round(cost * 1_000_000);
  if (typeof ticks === 'number' && Number.isSafeInteger(ticks) && ticks >= 0) return Math.round(ticks / 10_000);
  return null;
}
