// A valid usage event for the spool and shipper tests; only the request id varies.
import type { UsageEvent } from '../../../shared/src/usage-event.ts';

export function sampleUsageEvent(requestId: string): UsageEvent {
  return {
    requestId,
    orgId: 'org',
    userId: 'user',
    apiKeyId: 'key',
    requestedModel: 'p/m',
    servedModel: 'm',
    providerId: 'prov',
    byok: false,
    promptTokens: 1,
    completionTokens: 2,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    costMicros: 3,
    upstreamCostMicros: null,
    usageEstimated: false,
    ttftMs: 1,
    upstreamLatencyMs: 1,
    totalLatencyMs: 2,
    status: 200,
    finishReason: 'stop',
    errorCode: null,
    streamed: false,
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:00:01.000Z',
  };
}
