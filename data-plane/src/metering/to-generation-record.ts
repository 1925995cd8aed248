// A stored usage event → the body of GET /generation, in OpenRouter's shape (`{"data": {...}}`, snake
// case, `total_cost` in USD, times in milliseconds) with the gateway's exact and extra fields beside it.
import { microToUsd } from '../../../shared/src/money.ts';
import type { UsageEvent } from '../../../shared/src/usage-event.ts';

export function toGenerationRecord(event: UsageEvent, providerSlug: string | null) {
  return {
    data: {
      id: event.requestId,
      model: event.requestedModel,
      served_model: event.servedModel,
      provider_name: providerSlug ?? event.providerId,
      created_at: event.startedAt,
      finished_at: event.finishedAt,
      streamed: event.streamed,
      status: event.status,
      finish_reason: event.finishReason,
      error_code: event.errorCode,
      tokens_prompt: event.promptTokens,
      tokens_completion: event.completionTokens,
      tokens_cached: event.cacheReadTokens,
      tokens_cache_write: event.cacheWriteTokens,
      tokens_reasoning: event.reasoningTokens,
      usage_estimated: event.usageEstimated,
      total_cost: microToUsd(event.costMicros),
      cost_microdollars: event.costMicros,
      upstream_inference_cost: event.upstreamCostMicros === null ? null : microToUsd(event.upstreamCostMicros),
      upstream_cost_microdollars: event.upstreamCostMicros,
      is_byok: event.byok,
      latency: event.totalLatencyMs,
      ttft: event.ttftMs,
      upstream_latency: event.upstreamLatencyMs,
    },
  };
}
