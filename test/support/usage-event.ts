// A usage event as a data plane ships it, for tests that ingest usage directly: a plain 200 answer with
// no tokens, cost or latency to speak of; a test sets what it is about.
import type { UsageEvent } from '../../shared/src/usage-event.ts';

export function usageEvent(fields: Pick<UsageEvent, 'requestId' | 'orgId' | 'startedAt'> & Partial<UsageEvent>): UsageEvent {
  return {
    userId: '',
    apiKeyId: '',
    requestedModel: '',
    servedModel: 'echo',
    providerId: 'simulator',
    byok: false,
    promptTokens: 0,
    completionTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    costMicros: 0,
    upstreamCostMicros: null,
    usageEstimated: false,
    ttftMs: null,
    upstreamLatencyMs: null,
    totalLatencyMs: 1,
    status: 200,
    finishReason: 'stop',
    errorCode: null,
    streamed: false,
    finishedAt: fields.startedAt,
    ...fields,
  };
}

/** A valid event for the spool and shipper tests, where only the request id varies. */
export function sampleUsageEvent(requestId: string): UsageEvent {
  return usageEvent({
    requestId,
    orgId: 'org',
    userId: 'user',
    apiKeyId: 'key',
    requestedModel: 'p/m',
    servedModel: 'm',
    providerId: 'prov',
    promptTokens: 1,
    completionTokens: 2,
    costMicros: 3,
    ttftMs: 1,
    upstreamLatencyMs: 1,
    totalLatencyMs: 2,
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:00:01.000Z',
  });
}
