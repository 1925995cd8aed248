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
