// The gateway's token counts → the OpenAI `usage` object a translating adapter sends to its client
// (wire-formats.md §2.1, with openai@6's `cache_write_tokens`).
import type { UnifiedUsage } from './provider-adapter.ts';

export function toOpenAIUsage({ usage }: UnifiedUsage) {
  return {
    prompt_tokens: usage.promptTokens,
    completion_tokens: usage.completionTokens,
    total_tokens: usage.promptTokens + usage.completionTokens,
    prompt_tokens_details: { cached_tokens: usage.cacheReadTokens, cache_write_tokens: usage.cacheWriteTokens },
    completion_tokens_details: { reasoning_tokens: usage.reasoningTokens },
  };
}
