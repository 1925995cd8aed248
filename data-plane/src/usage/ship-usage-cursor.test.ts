// When the shipper saves its cursor: once a round, however many batches the round ships (each save is a
// file write and a rename on the data plane's thread pool), and what it saved is where a restarted shipper
// goes on from.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sampleUsageEvent } from '../../../test/support/usage-event.ts';
import { RecentUsageEvents } from './recent-usage-events.ts';
import { UsageShipper } from './ship-usage.ts';
import { loadSpoolPosition } from './spool-cursor.ts';
import { UsageSpool } from './usage-spool.ts';

let directory: string;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'ship-usage-cursor-test-'));
});

afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe.each([
  ['read back from the segment', false],
  ['held in memory', true],
])('UsageShipper cursor saves, records %s', (_name, inMemory) => {
  it('ships a backlog of several batches with one cursor save, from which a restarted shipper goes on', async () => {
    const recent = inMemory ? new RecentUsageEvents() : undefined;
    const spool = await UsageSpool.open({ directory, onWritten: recent && ((segment, written) => recent.add(segment, written)) });
    await Promise.all(Array.from({ length: 8 }, (_, index) => spool.append(sampleUsageEvent(`r${index}`))));
    const received: string[] = [];
    /** The cursor on disk as each batch is sent. */
    const savedAtSend: unknown[] = [];
    const shipperOptions = {
      directory,
      activeSegment: () => spool.activeSegment,
      send: async (requestIds: string[]) => {
        savedAtSend.push((await loadSpoolPosition(directory)).cursor);
        received.push(...requestIds);
      },
      batchSize: 3,
      intervalMs: 60_000,
      log: () => {},
    };
    const start = { segment: 0, offset: 0 };
    await expect(new UsageShipper({ ...shipperOptions, recent }).shipNow()).resolves.toBe(8);
    expect(received).toEqual(Array.from({ length: 8 }, (_, index) => `r${index}`));
    // Not saved between the round's three batches; saved at its end.
    expect(savedAtSend).toEqual([start, start, start]);
    expect((await loadSpoolPosition(directory)).cursor).not.toEqual(start);
    await spool.append(sampleUsageEvent('r8'));
    await expect(new UsageShipper(shipperOptions).shipNow()).resolves.toBe(1);
    expect(received.at(-1)).toBe('r8');
    await spool.close();
  });
});
