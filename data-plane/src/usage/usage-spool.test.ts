// The spool and the shipper on a temp directory: group commit, segments, torn tails, the cursor,
// backoff while the control plane is down, and deletion of shipped segments.
import { appendFile, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { UsageEvent } from '../../../shared/src/usage-event.ts';
import { loadCursor, readSpoolBatch, UsageShipper } from './ship-usage.ts';
import { listSegments, segmentFileName, truncateTornTail, UsageSpool } from './usage-spool.ts';

let directory: string;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'usage-spool-test-'));
});

afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

function usageEvent(requestId: string): UsageEvent {
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

describe('UsageSpool', () => {
  it('writes the events of one turn together and resolves each append after the write', async () => {
    const spool = await UsageSpool.open({ directory });
    const appends = ['a', 'b', 'c'].map((id) => spool.append(usageEvent(id)));
    await Promise.all(appends);
    const content = await readFile(join(directory, segmentFileName(1)), 'utf8');
    expect(content.split('\n').filter(Boolean).map((line) => (JSON.parse(line) as UsageEvent).requestId)).toEqual(['a', 'b', 'c']);
    await spool.close();
  });

  it('rolls over to a new segment past the size limit', async () => {
    const spool = await UsageSpool.open({ directory, segmentMaxBytes: 1 });
    await spool.append(usageEvent('a'));
    await spool.append(usageEvent('b'));
    await spool.append(usageEvent('c'));
    expect(await listSegments(directory)).toEqual([1, 2, 3]);
    expect(spool.activeSegment).toBe(3);
    await spool.close();
  });

  it('cuts a torn last line on open and keeps appending after it', async () => {
    const spool = await UsageSpool.open({ directory });
    await spool.append(usageEvent('whole'));
    await spool.close();
    const path = join(directory, segmentFileName(1));
    await appendFile(path, '{"requestId":"torn","org');
    const reopened = await UsageSpool.open({ directory });
    await reopened.append(usageEvent('after'));
    await reopened.close();
    const { events } = await readSpoolBatch(path, 0, 100);
    expect(events.map((event) => event.requestId)).toEqual(['whole', 'after']);
    expect(await truncateTornTail(path)).toBe(0);
  });
});

describe('UsageShipper', () => {
  it('ships in batches, advances the cursor only after success, backs off while down, deletes shipped segments', async () => {
    const spool = await UsageSpool.open({ directory, segmentMaxBytes: 2000 });
    for (let index = 0; index < 7; index += 1) await spool.append(usageEvent(`r${index}`));
    expect((await listSegments(directory)).length).toBeGreaterThan(1);

    const received: string[][] = [];
    let down = true;
    const shipper = new UsageShipper({
      directory,
      activeSegment: () => spool.activeSegment,
      send: async (events) => {
        if (down) throw new Error('control plane down');
        received.push(events.map((event) => event.requestId));
      },
      batchSize: 3,
      intervalMs: 60_000,
      log: () => {},
    });
    await expect(shipper.shipNow()).rejects.toThrow('control plane down');
    expect(await loadCursor(directory)).toEqual({ segment: 0, offset: 0 });

    down = false;
    expect(await shipper.shipNow()).toBe(7);
    expect(received.flat()).toEqual(['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6']);
    expect(Math.max(...received.map((batch) => batch.length))).toBeLessThanOrEqual(3);
    // Every segment but the active one is gone; the cursor sits at the end of the active one.
    expect(await listSegments(directory)).toEqual([spool.activeSegment]);
    const cursor = await loadCursor(directory);
    expect(cursor.segment).toBe(spool.activeSegment);

    // Nothing is shipped twice, and new events follow.
    await spool.append(usageEvent('r7'));
    expect(await shipper.shipNow()).toBe(1);
    expect(received.flat().filter((id) => id === 'r7')).toHaveLength(1);
    shipper.stop();
    await spool.close();

    // A new shipper (a restart) resumes from the persisted cursor.
    const restarted = new UsageShipper({
      directory,
      activeSegment: () => spool.activeSegment,
      send: async (events) => {
        received.push(events.map((event) => event.requestId));
      },
      batchSize: 3,
      intervalMs: 60_000,
      log: () => {},
    });
    expect(await restarted.shipNow()).toBe(0);
    restarted.stop();
    expect((await readdir(directory)).sort()).toEqual(['cursor.json', segmentFileName(spool.activeSegment)]);
  });

  it('skips lines that are not valid usage events', async () => {
    const spool = await UsageSpool.open({ directory });
    await spool.append(usageEvent('good'));
    await spool.close();
    await appendFile(join(directory, segmentFileName(1)), '{"not":"an event"}\nnot json\n');
    const reopened = await UsageSpool.open({ directory });
    await reopened.append(usageEvent('good2'));
    const invalid: string[] = [];
    const { events } = await readSpoolBatch(join(directory, segmentFileName(1)), 0, 100, (line) => invalid.push(line));
    expect(events.map((event) => event.requestId)).toEqual(['good', 'good2']);
    expect(invalid).toEqual(['{"not":"an event"}', 'not json']);
    await reopened.close();
  });
});
