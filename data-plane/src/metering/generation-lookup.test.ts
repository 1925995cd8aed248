import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GenerationLookupInput } from '../../../shared/src/data-plane-channel.ts';
import type { UsageEvent } from '../../../shared/src/usage-event.ts';
import { RecentUsageEvents } from '../usage/recent-usage-events.ts';
import { UsageShipper } from '../usage/ship-usage.ts';
import { UsageSpool } from '../usage/usage-spool.ts';
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

let directory: string;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'generation-lookup-test-'));
});

afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

/** A spool holding its newest `held` records in memory, as a data plane wires it (usage/open-shipped-spool.ts). */
async function spoolWithRecent(held = 100): Promise<{ spool: UsageSpool; recent: RecentUsageEvents }> {
  const recent = new RecentUsageEvents(held);
  const spool = await UsageSpool.open({ directory, onWritten: (segment, written) => recent.add(segment, written) });
  return { spool, recent };
}

describe('createGenerationLookup', () => {
  const asked: GenerationLookupInput[] = [];
  const stored = sampleUsageEvent('stored-only');
  const fetchStored = async (input: GenerationLookupInput) => {
    asked.push(input);
    return input.requestId === stored.requestId && input.apiKeyId === stored.apiKeyId ? stored : null;
  };

  it('answers a request as soon as its usage is written, to its own key only, without asking the control plane', async () => {
    asked.length = 0;
    const { spool, recent } = await spoolWithRecent();
    const lookup = createGenerationLookup(fetchStored, recent);
    const event = sampleUsageEvent('fresh');
    await spool.append(event);
    expect(await lookup.find('fresh', event.apiKeyId)).toEqual(event);
    expect(await lookup.find('fresh', 'someone-else')).toBeNull();
    expect(asked).toEqual([]);
    await spool.close();
  });

  it('asks the control plane for what it does not hold: the oldest past its capacity, and what was never written here', async () => {
    asked.length = 0;
    const { spool, recent } = await spoolWithRecent(2);
    const lookup = createGenerationLookup(fetchStored, recent);
    for (const requestId of ['first', 'second', 'third']) await spool.append(sampleUsageEvent(requestId));
    const apiKeyId = sampleUsageEvent('any').apiKeyId;
    expect(await lookup.find('third', apiKeyId)).toMatchObject({ requestId: 'third' });
    expect(await lookup.find('first', apiKeyId)).toBeNull();
    expect(await lookup.find('stored-only', apiKeyId)).toBe(stored);
    expect(asked).toEqual([
      { requestId: 'first', apiKeyId },
      { requestId: 'stored-only', apiKeyId },
    ]);
    await spool.close();
  });

  it('asks the control plane for an event once the control plane has accepted it, and keeps what was written since', async () => {
    asked.length = 0;
    const { spool, recent } = await spoolWithRecent();
    const lookup = createGenerationLookup(fetchStored, recent);
    const shipped = sampleUsageEvent('stored-only');
    await spool.append(shipped);
    const shipper = new UsageShipper({
      directory,
      activeSegment: () => spool.activeSegment,
      send: async () => {},
      batchSize: 10,
      intervalMs: 60_000,
      log: () => {},
      recent,
    });
    await shipper.shipNow();
    const unshipped = sampleUsageEvent('unshipped');
    await spool.append(unshipped);
    // The shipper's next round lets go of what the control plane accepted.
    await shipper.shipNow();
    await spool.append(sampleUsageEvent('newest'));
    expect(await lookup.find('stored-only', shipped.apiKeyId)).toBe(stored);
    expect(await lookup.find('newest', shipped.apiKeyId)).toMatchObject({ requestId: 'newest' });
    expect(asked).toEqual([{ requestId: 'stored-only', apiKeyId: shipped.apiKeyId }]);
    shipper.stop();
    await spool.close();
  });
});
