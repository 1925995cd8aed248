// Builds the one usage event of a request that reached an upstream: tokens from the upstream's usage
// (or an estimate), cost from the endpoint's prices, and timings.
//
// Timings (milliseconds, from performance.now()):
//   ttftMs             request arrival → first byte relayed to the client (streams: the first event;
//                      non-streamed: the response)
//   upstreamLatencyMs  upstream request sent → upstream response fully read (null if it never answered)
//   totalLatencyMs     request arrival → final bytes handed to the socket
//
// Estimate when the upstream reported no usage (usageEstimated = true): about 4 characters (UTF-8
// bytes for the completion) per token, plus 4 tokens of framing per prompt message. Deliberately
// rough; a real tokenizer per model family is a later issue.
import { emptyUsage, priceUsage, type NanodollarsPerToken, type TokenPrices, type TokenUsage } from '../../../shared/src/money.ts';
import type { SnapshotEndpoint, SnapshotModel } from '../../../shared/src/snapshot.ts';
import type { UsageEvent } from '../../../shared/src/usage-event.ts';
import type { UnifiedUsage } from '../providers/provider-adapter.ts';
import type { Principal } from './authenticate-key.ts';

export interface RequestMeter {
  requestId: string;
  startedAt: number;
  startedAtEpochMs: number;
  principal: Principal;
  model: SnapshotModel;
  endpoint: SnapshotEndpoint;
  streamed: boolean;
  upstreamStartedAt: number | null;
  upstreamFinishedAt: number | null;
  firstByteAt: number | null;
  /** Generated text bytes relayed (for the estimate). */
  completionTextBytes: number;
  usage: UnifiedUsage | null;
  servedModel: string | null;
  finishReason: string | null;
}

export function estimatePromptTokens(messages: readonly unknown[]): number {
  let characters = 0;
  for (const message of messages) {
    const content = (message as { content?: unknown } | null)?.content;
    if (typeof content === 'string') characters += content.length;
    else if (Array.isArray(content)) {
      for (const part of content) {
        const text = (part as { text?: unknown } | null)?.text;
        if (typeof text === 'string') characters += text.length;
      }
    }
  }
  return Math.ceil(characters / 4) + 4 * messages.length;
}

export function estimateCompletionTokens(textBytes: number): number {
  return Math.ceil(textBytes / 4);
}

function toPrices(endpoint: SnapshotEndpoint): TokenPrices {
  return {
    prompt: endpoint.prices.prompt as NanodollarsPerToken,
    completion: endpoint.prices.completion as NanodollarsPerToken,
    cacheRead: endpoint.prices.cacheRead as NanodollarsPerToken | null,
    cacheWrite: endpoint.prices.cacheWrite as NanodollarsPerToken | null,
  };
}

export function meterUsage(
  meter: RequestMeter,
  outcome: { status: number; errorCode: string | null; finishedAt: number; promptEstimate: () => number },
): UsageEvent {
  let usage: TokenUsage;
  let usageEstimated = false;
  if (meter.usage !== null) usage = meter.usage.usage;
  else if (outcome.errorCode !== null && meter.firstByteAt === null) usage = emptyUsage; // nothing was produced
  else {
    usageEstimated = true;
    usage = { ...emptyUsage, promptTokens: outcome.promptEstimate(), completionTokens: estimateCompletionTokens(meter.completionTextBytes) };
  }
  const round = (value: number) => Math.round(value * 1000) / 1000;
  return {
    requestId: meter.requestId,
    orgId: meter.principal.org.id,
    userId: meter.principal.apiKey.userId,
    apiKeyId: meter.principal.apiKey.id,
    requestedModel: meter.model.id,
    servedModel: meter.servedModel ?? meter.endpoint.upstreamModel,
    providerId: meter.endpoint.providerId,
    byok: false,
    promptTokens: usage.promptTokens,
    completionTokens: usage.completionTokens,
    cacheReadTokens: usage.cacheReadTokens,
    cacheWriteTokens: usage.cacheWriteTokens,
    reasoningTokens: usage.reasoningTokens,
    costMicros: priceUsage(usage, toPrices(meter.endpoint)),
    upstreamCostMicros: meter.usage?.upstreamCostMicros ?? null,
    usageEstimated,
    ttftMs: meter.firstByteAt === null ? null : round(meter.firstByteAt - meter.startedAt),
    upstreamLatencyMs:
      meter.upstreamStartedAt === null || meter.upstreamFinishedAt === null ? null : round(meter.upstreamFinishedAt - meter.upstreamStartedAt),
    totalLatencyMs: round(outcome.finishedAt - meter.startedAt),
    status: outcome.status,
    finishReason: meter.finishReason,
    errorCode: outcome.errorCode,
    streamed: meter.streamed,
    startedAt: new Date(meter.startedAtEpochMs).toISOString(),
    finishedAt: new Date(meter.startedAtEpochMs + (outcome.finishedAt - meter.startedAt)).toISOString(),
  };
}
