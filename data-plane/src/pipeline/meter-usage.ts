// Builds the one usage event of a request that reached an upstream: tokens from the upstream's usage
// (or an estimate), cost from the endpoint's prices, and timings.
//
// Timings (milliseconds, from performance.now()):
//   ttftMs             request arrival → first byte relayed to the client (streams: the first event;
//                      non-streamed: the response)
//   upstreamLatencyMs  upstream request sent → upstream response fully read (null if it never answered)
//   totalLatencyMs     request arrival → final bytes handed to the socket
//
// When the upstream reported no usage (an aborted stream, a provider that sends none), the tokens are
// counted with the tokenizer (data-plane/src/metering/) and the event says usageEstimated; so it does
// when a stream cut short had reported fewer completion tokens than it had already relayed.
import {
  emptyUsage,
  priceUsage,
  type Microdollars,
  type NanodollarsPerToken,
  type PriceTiers,
  type TokenPrices,
  type TokenUsage,
} from '../../../shared/src/money.ts';
import type { SnapshotEndpoint, SnapshotModel } from '../../../shared/src/snapshot.ts';
import type { UsageEvent } from '../../../shared/src/usage-event.ts';
import type { CompletionText } from '../metering/completion-text.ts';
import type { UsageChunkFields } from '../metering/meter-chunk-stream.ts';
import { usageCostFields } from '../metering/usage-cost-fields.ts';
import type { UnifiedUsage } from '../providers/provider-adapter.ts';
import type { Principal } from '../snapshot/snapshot-view.ts';

export interface RequestMeter {
  requestId: string;
  startedAt: number;
  startedAtEpochMs: number;
  principal: Principal;
  model: SnapshotModel;
  endpoint: SnapshotEndpoint;
  /** The endpoint that answered used the org's own provider key: cost is recorded, not debited. */
  byok: boolean;
  streamed: boolean;
  upstreamStartedAt: number | null;
  upstreamFinishedAt: number | null;
  firstByteAt: number | null;
  /** The generated text relayed, for the estimate when usage is missing. */
  completionText: CompletionText;
  usage: UnifiedUsage | null;
  servedModel: string | null;
  finishReason: string | null;
}

export function endpointPrices(endpoint: SnapshotEndpoint): TokenPrices {
  return {
    prompt: endpoint.prices.prompt as NanodollarsPerToken,
    completion: endpoint.prices.completion as NanodollarsPerToken,
    cacheRead: endpoint.prices.cacheRead as NanodollarsPerToken | null,
    cacheWrite: endpoint.prices.cacheWrite as NanodollarsPerToken | null,
    tiers: (endpoint.prices.tiers ?? null) as PriceTiers | null,
  };
}

/** What the request cost at the endpoint that answered. */
export function costOf(meter: RequestMeter, usage: TokenUsage): Microdollars {
  return priceUsage(usage, endpointPrices(meter.endpoint));
}

function milliseconds(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/** The cost and timings a streamed usage chunk carries, as of the moment it is written. */
export function describeUsageChunk(meter: RequestMeter): (usage: UnifiedUsage) => UsageChunkFields {
  return (usage) => {
    const now = performance.now();
    return {
      usage: { ...usageCostFields(costOf(meter, usage.usage), usage.upstreamCostMicros) },
      chunk: {
        // No byte sent yet: this chunk goes out with the first ones (a stream that arrived in one piece).
        ttft_ms: milliseconds((meter.firstByteAt ?? now) - meter.startedAt),
        latency_ms: milliseconds(now - meter.startedAt),
      },
    };
  };
}

export function meterUsage(
  meter: RequestMeter,
  outcome: { status: number; errorCode: string | null; finishedAt: number; promptEstimate: () => number },
): UsageEvent {
  let usage: TokenUsage;
  let usageEstimated = false;
  if (meter.usage !== null) {
    usage = meter.usage.usage;
    // A stream cut short holds only the usage reported so far (Anthropic's message_start says 1 output
    // token until message_delta): the text already relayed is a floor for what was generated.
    if (outcome.errorCode !== null && meter.streamed) {
      const relayedTokens = meter.completionText.estimateTokens();
      if (relayedTokens > usage.completionTokens) {
        usageEstimated = true;
        usage = { ...usage, completionTokens: relayedTokens };
      }
    }
  } else if (outcome.errorCode !== null && meter.firstByteAt === null)
    usage = emptyUsage; // nothing was produced
  else {
    usageEstimated = true;
    usage = { ...emptyUsage, promptTokens: outcome.promptEstimate(), completionTokens: meter.completionText.estimateTokens() };
  }
  return {
    requestId: meter.requestId,
    orgId: meter.principal.org.id,
    userId: meter.principal.apiKey.userId,
    apiKeyId: meter.principal.apiKey.id,
    requestedModel: meter.model.id,
    servedModel: meter.servedModel ?? meter.endpoint.upstreamModel,
    providerId: meter.endpoint.providerId,
    byok: meter.byok,
    promptTokens: usage.promptTokens,
    completionTokens: usage.completionTokens,
    cacheReadTokens: usage.cacheReadTokens,
    cacheWriteTokens: usage.cacheWriteTokens,
    reasoningTokens: usage.reasoningTokens,
    costMicros: costOf(meter, usage),
    upstreamCostMicros: meter.usage?.upstreamCostMicros ?? null,
    usageEstimated,
    ttftMs: meter.firstByteAt === null ? null : milliseconds(meter.firstByteAt - meter.startedAt),
    upstreamLatencyMs:
      meter.upstreamStartedAt === null || meter.upstreamFinishedAt === null ? null : milliseconds(meter.upstreamFinishedAt - meter.upstreamStartedAt),
    totalLatencyMs: milliseconds(outcome.finishedAt - meter.startedAt),
    status: outcome.status,
    finishReason: meter.finishReason,
    errorCode: outcome.errorCode,
    streamed: meter.streamed,
    startedAt: new Date(meter.startedAtEpochMs).toISOString(),
    finishedAt: new Date(meter.startedAtEpochMs + (outcome.finishedAt - meter.startedAt)).toISOString(),
  };
}
