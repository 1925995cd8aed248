// OpenAI-style `usage` → the gateway's token counts (prompt includes cached reads and writes,
// completion includes reasoning), plus the upstream's own cost when it reports one (OpenRouter's
// `usage.cost` in USD, xAI's `cost_in_usd_ticks` in 1e-10 USD). Returns null when the object carries no
// token counts. xAI counts reasoning apart from `completion_tokens` (its total is prompt + completion +
// reasoning, where OpenAI's is prompt + completion): the total says which convention a usage follows.
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
  const promptTokens = count(usage.prompt_tokens);
  const reasoningTokens = count(completionDetails?.reasoning_tokens);
  let completionTokens = count(usage.completion_tokens);
  if (reasoningTokens > 0 && count(usage.total_tokens) === promptTokens + completionTokens + reasoningTokens) completionTokens += reasoningTokens;
  return {
    usage: {
      promptTokens,
      completionTokens,
      cacheReadTokens: count(promptDetails?.cached_tokens),
      cacheWriteTokens: count(promptDetails?.cache_write_tokens),
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
