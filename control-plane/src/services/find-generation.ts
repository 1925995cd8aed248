// One stored request, for the data plane's GET /generation: the usage row as the event that wrote it,
// only when the asking key made the request. Another key's request (of any org) reads as absent, like an
// unknown id, so ids cannot be probed.
import type { GenerationLookupInput } from '../../../shared/src/data-plane-channel.ts';
import type { UsageEvent } from '../../../shared/src/usage-event.ts';
import type { ServiceContext } from './service-context.ts';

export async function findGeneration(context: ServiceContext, input: GenerationLookupInput): Promise<UsageEvent | null> {
  const row = await context.prisma.usageRecord.findUnique({ where: { requestId: input.requestId } });
  if (row === null || row.apiKeyId !== input.apiKeyId) return null;
  return {
    requestId: row.requestId,
    orgId: row.orgId,
    userId: row.userId,
    apiKeyId: row.apiKeyId,
    requestedModel: row.requestedModel,
    servedModel: row.servedModel,
    providerId: row.providerId,
    byok: row.byok,
    promptTokens: row.promptTokens,
    completionTokens: row.completionTokens,
    cacheReadTokens: row.cacheReadTokens,
    cacheWriteTokens: row.cacheWriteTokens,
    reasoningTokens: row.reasoningTokens,
    costMicros: Number(row.costMicros),
    upstreamCostMicros: row.upstreamCostMicros === null ? null : Number(row.upstreamCostMicros),
    usageEstimated: row.usageEstimated,
    ttftMs: row.ttftMs,
    upstreamLatencyMs: row.upstreamLatencyMs,
    totalLatencyMs: row.totalLatencyMs,
    status: row.status,
    finishReason: row.finishReason,
    errorCode: row.errorCode,
    streamed: row.streamed,
    startedAt: row.startedAt.toISOString(),
    finishedAt: row.finishedAt.toISOString(),
  };
}
