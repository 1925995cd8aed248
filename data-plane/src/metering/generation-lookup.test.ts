import { describe, expect, it } from 'vitest';
import type { GenerationLookupInput } from '../../../shared/src/data-plane-channel.ts';
import type { UsageEvent } from '../../../shared/src/usage-event.ts';
import { createGenerationLookup } from './generation-lookup.ts';

function sampleUsageEvent(requestId: string): UsageEvent {
  return {
    requestId,
    orgId: 'org-1',
    userId: 'user-1',
    apiKeyId: 'key-1',
    requestedModel: 'simulator/echo',
    servedModel: 'echo',
    providerId: 'provider-1',
    byok: false,
    promptTokens: 4,
    completionTokens: 5,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    costMicros: 4,
    upstreamCostMicros: null,
    usageEstimated: false,
    ttftMs: 10,
    upstreamLatencyMs: 8,
    totalLatencyMs: 12,
    status: 200,
    finishReason: 'stop',
    errorCode: null,
    streamed: false,
    startedAt: '2026-11-25T09:00:00.000Z',
    finishedAt: '2026-11-25T09:00:00.012Z',
  };
}

describe('createGenerationLookup', () => {
  const asked: GenerationLookupInput[] = [];
  const stored = sampleUsageEvent('stored-only');
  const fetchStored = async (input: GenerationLookupInput) => {
    asked.push(input);
    return input.requestId === stored.requestId && input.apiKeyId === stored.apiKeyId ? stored : null;
  };

  it('answers a request it wrote from memory, to its own key only, without asking the control plane', async () => {
    asked.length = 0;
    const lookup = createGenerationLookup(fetchStored);
    const event = sampleUsageEvent('fresh');
    lookup.remember(event);
    expect(await lookup.find('fresh', event.apiKeyId)).toBe(event);
    expect(await lookup.find('fresh', 'someone-else')).toBeNull();
    expect(asked).toEqual([]);
  });

  it('asks the control plane for what it does not hold, and forgets the oldest past its capacity', async () => {
    asked.length = 0;
    const lookup = createGenerationLookup(fetchStored, 2);
    for (const requestId of ['first', 'second', 'third']) lookup.remember(sampleUsageEvent(requestId));
    const apiKeyId = sampleUsageEvent('any').apiKeyId;
    expect(await lookup.find('third', apiKeyId)).toMatchObject({ requestId: 'third' });
    expect(await lookup.find('first', apiKeyId)).toBeNull();
    expect(await lookup.find('stored-only', apiKeyId)).toBe(stored);
    expect(asked).toEqual([
      { requestId: 'first', apiKeyId },
      { requestId: 'stored-only', apiKeyId },
    ]);
  });

  it('keeps the newest events however many times its capacity came round', async () => {
    asked.length = 0;
    const lookup = createGenerationLookup(fetchStored, 3);
    const requestIds = Array.from({ length: 10 }, (_, index) => `request-${index}`);
    for (const requestId of requestIds) lookup.remember(sampleUsageEvent(requestId));
    const apiKeyId = sampleUsageEvent('any').apiKeyId;
    const found = await Promise.all(requestIds.map(async (requestId) => (await lookup.find(requestId, apiKeyId))?.requestId ?? null));
    expect(found).toEqual([null, null, null, null, null, null, null, 'request-7', 'request-8', 'request-9']);
    expect(asked.map((input) => input.requestId)).toEqual(requestIds.slice(0, 7));
  });

  it('asks the control plane for an event once the control plane has accepted it', async () => {
    asked.length = 0;
    const lookup = createGenerationLookup(fetchStored);
    const shipped = sampleUsageEvent('stored-only');
    const unshipped = sampleUsageEvent('unshipped');
    lookup.remember(shipped);
    lookup.remember(unshipped);
    lookup.forget([shipped]);
    expect(await lookup.find('unshipped', unshipped.apiKeyId)).toBe(unshipped);
    expect(await lookup.find('stored-only', shipped.apiKeyId)).toBe(stored);
    expect(asked).toEqual([{ requestId: 'stored-only', apiKeyId: shipped.apiKeyId }]);
  });
});
