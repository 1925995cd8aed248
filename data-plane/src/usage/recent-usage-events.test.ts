// The shipper's in-memory copy of what the spool wrote: it must hand out exactly what reading the segment
// back would (the same events at the same offsets), and the shipper must send every event once, in
// order, when part of the backlog is in memory and part only on disk (more events than it holds, a
// segment rotation, a restart).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RecentUsageEvents, type WrittenGroup } from './recent-usage-events.ts';
import { sampleUsageEvent } from '../../../test/support/usage-event.ts';
import { readSpoolBatch, UsageShipper, type SpoolBatch } from './ship-usage.ts';
import { loadCursor } from './spool-cursor.ts';
import { encodeSpoolRecord } from './spool-record.ts';
import { listSegments, segmentFileName, UsageSpool } from './usage-spool.ts';

let directory: string;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'recent-usage-test-'));
});

afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

/** Records written back to back from byte `position` of a segment, as the spool hands a group to onWritten. */
function group(records: Buffer[], position: number): WrittenGroup {
  const ends: number[] = [];
  let end = 0;
  for (const record of records) ends.push((end += record.length));
  return { bytes: Buffer.concat(records), ends, count: records.length, position };
}

/** Events appended together (one group) and one by one (groups of one). */
async function appendSome(spool: UsageSpool, from: number, count: number): Promise<void> {
  await Promise.all(Array.from({ length: count }, (_, index) => spool.append(sampleUsageEvent(`r${from + index}`))));
  await spool.append(sampleUsageEvent(`r${from + count}`));
}

/** A batch with each event's JSON parsed: the record's own bytes and the decoded event serialised again may order members differently. */
function parsed(batch: SpoolBatch | null): unknown {
  if (batch === null) return null;
  const { requestIds, json, offsets, provisional, nextOffset, damaged } = batch;
  return { requestIds, json: json.map((text) => JSON.parse(text.toString('utf8')) as unknown), offsets, provisional, nextOffset, damaged };
}

describe('RecentUsageEvents', () => {
  it('gives the events and offsets that reading the segment back gives', async () => {
    const recent = new RecentUsageEvents(100);
    const spool = await UsageSpool.open({ directory, onWritten: (segment, written) => recent.add(segment, written) });
    await appendSome(spool, 0, 4);
    await appendSome(spool, 5, 2);
    const path = join(directory, segmentFileName(spool.activeSegment));
    const fromDisk = await readSpoolBatch(path, 0, 1000);
    expect(fromDisk.events).toHaveLength(8);
    expect(fromDisk.json.map((json) => JSON.parse(json.toString('utf8')) as unknown)).toEqual(fromDisk.events);
    const fromMemory = recent.take(spool.activeSegment, 0, 1000);
    expect(parsed(fromMemory)).toEqual(parsed(fromDisk));
    // What is shipped from memory is each record's own JSON, byte for byte.
    const segment = await readFile(path, 'utf8');
    expect(fromMemory?.json.map((json) => json.toString('utf8'))).toEqual(
      segment
        .trimEnd()
        .split('\n')
        .map((line) => line.slice(9)),
    );
    // From the middle, a few at a time.
    const middle = fromDisk.offsets[3] as number;
    expect(parsed(recent.take(spool.activeSegment, middle, 2))).toEqual(parsed(await readSpoolBatch(path, middle, 2)));
    // A position that is not a held record's start: the shipper reads the segment.
    expect(recent.take(spool.activeSegment, middle + 1, 2)).toBeNull();
    await spool.close();
  });

  it('hands out the events at a position far into what it holds, where it drops the let-go slots', () => {
    const recent = new RecentUsageEvents(5000);
    const records = Array.from({ length: 3000 }, (_, index) => encodeSpoolRecord(sampleUsageEvent(`r${index}`)));
    const written = group(records, 100);
    recent.add(1, written);
    const batch = recent.take(1, 100 + written.ends[1999]!, 3);
    expect(batch?.requestIds).toEqual(['r2000', 'r2001', 'r2002']);
    expect(batch?.nextOffset).toBe(100 + written.ends[2002]!);
  });

  it('lets the shipper send every event once, in order, when only the newest are held', async () => {
    const recent = new RecentUsageEvents(3);
    const spool = await UsageSpool.open({ directory, segmentMaxBytes: 2000, onWritten: (segment, written) => recent.add(segment, written) });
    const received: string[] = [];
    const shipper = new UsageShipper({
      directory,
      activeSegment: () => spool.activeSegment,
      send: async (requestIds) => void received.push(...requestIds),
      batchSize: 2,
      intervalMs: 60_000,
      log: () => {},
      recent,
    });
    await appendSome(spool, 0, 6);
    expect((await listSegments(directory)).length).toBeGreaterThan(1);
    expect(await shipper.shipNow()).toBe(7);
    await appendSome(spool, 7, 1);
    expect(await shipper.shipNow()).toBe(2);
    expect(received).toEqual(Array.from({ length: 9 }, (_, index) => `r${index}`));
    const path = join(directory, segmentFileName(spool.activeSegment));
    expect(await loadCursor(directory)).toEqual({ segment: spool.activeSegment, offset: (await readSpoolBatch(path, 0, 1000)).nextOffset });
    shipper.stop();
    await spool.close();
  });

  it('ships what arrives while a short batch is on its way with the next shipment, not in a round of its own', async () => {
    const recent = new RecentUsageEvents(100);
    const spool = await UsageSpool.open({ directory, onWritten: (segment, written) => recent.add(segment, written) });
    const batches: string[][] = [];
    let next = 3;
    const shipper = new UsageShipper({
      directory,
      activeSegment: () => spool.activeSegment,
      // Each of the first sends sees two more requests served meanwhile, as under steady load.
      send: async (requestIds) => {
        batches.push(requestIds);
        if (next > 10) return;
        await appendSome(spool, next, 1);
        next += 2;
      },
      batchSize: 10,
      intervalMs: 60_000,
      log: () => {},
      recent,
    });
    await appendSome(spool, 0, 2);
    expect(await shipper.shipNow()).toBe(3);
    expect(await shipper.shipNow()).toBe(2);
    expect(batches).toEqual([
      ['r0', 'r1', 'r2'],
      ['r3', 'r4'],
    ]);
    // Nothing is left behind: the cursor is after r4, and the two written during the last send are next.
    const path = join(directory, segmentFileName(spool.activeSegment));
    const rest = await readSpoolBatch(path, (await loadCursor(directory)).offset, 1000);
    expect(rest.requestIds).toEqual(['r5', 'r6']);
    shipper.stop();
    await spool.close();
  });
  it('lets the shipper send every event once, in order, when its room for bytes comes round many times', async () => {
    // Room for about three records: each new one lets the oldest go, and the ring wraps round again and again.
    const recordBytes = encodeSpoolRecord(sampleUsageEvent('r10')).length;
    const recent = new RecentUsageEvents(100, recordBytes * 3 + 7);
    const spool = await UsageSpool.open({ directory, onWritten: (segment, written) => recent.add(segment, written) });
    const received: unknown[] = [];
    const shipper = new UsageShipper({
      directory,
      activeSegment: () => spool.activeSegment,
      send: async (_requestIds, json) => void received.push(...json.map((text) => JSON.parse(text.toString('utf8')) as unknown)),
      batchSize: 2,
      intervalMs: 60_000,
      log: () => {},
      recent,
    });
    for (let round = 0; round < 6; round++) {
      await appendSome(spool, round * 4, 3);
      await shipper.shipNow();
    }
    expect(received).toEqual(Array.from({ length: 24 }, (_, index) => sampleUsageEvent(`r${index}`)));
    shipper.stop();
    await spool.close();
  });

  it('hands out each record as written while its room for bytes comes round again and again', () => {
    const record = (index: number) => encodeSpoolRecord(sampleUsageEvent(`r${index}`));
    // Room for four and a half records (a record past a quarter of it is not held): additions wrap round to the ring's start.
    const recent = new RecentUsageEvents(100, Math.floor(record(10).length * 4.5));
    let offset = 0;
    for (let index = 0; index < 40; index += 2) {
      const first = record(index);
      const second = record(index + 1);
      recent.add(1, group([first, second], offset));
      const batch = recent.take(1, offset, 10);
      expect(batch?.requestIds).toEqual([`r${index}`, `r${index + 1}`]);
      expect(batch?.json.map((json) => JSON.parse(json.toString('utf8')) as unknown)).toEqual([
        sampleUsageEvent(`r${index}`),
        sampleUsageEvent(`r${index + 1}`),
      ]);
      expect(recent.find(`r${index + 1}`)).toEqual(sampleUsageEvent(`r${index + 1}`));
      offset += first.length + second.length;
    }
  });

  it('finds and hands out an event whose request id JSON escapes (a quote, a backslash, a control character)', async () => {
    const recent = new RecentUsageEvents(100);
    const spool = await UsageSpool.open({ directory, onWritten: (segment, written) => recent.add(segment, written) });
    const ids = ['a"b', 'c\\d', 'e\nf', 'plain', 'g\\"'];
    await Promise.all(ids.map((id) => spool.append(sampleUsageEvent(id))));
    for (const id of ids) expect(recent.find(id)).toEqual(sampleUsageEvent(id));
    expect(recent.find('a"c')).toBeNull();
    expect(recent.take(spool.activeSegment, 0, 10)?.requestIds).toEqual(ids);
    await spool.close();
  });

  it('finds a final event by its request id until the shipper is past it, never a provisional record', async () => {
    const recent = new RecentUsageEvents(100);
    const spool = await UsageSpool.open({ directory, onWritten: (segment, written) => recent.add(segment, written) });
    const streamed = { ...sampleUsageEvent('stream'), errorCode: 'stream_interrupted' };
    await spool.append(streamed, true);
    await appendSome(spool, 0, 2);
    expect(recent.find('stream')).toBeNull();
    expect(recent.find('r1')).toEqual(sampleUsageEvent('r1'));
    expect(recent.find('r9')).toBeNull();
    await spool.append(sampleUsageEvent('stream'));
    expect(recent.find('stream')).toEqual(sampleUsageEvent('stream'));
    const path = join(directory, segmentFileName(spool.activeSegment));
    const fromDisk = await readSpoolBatch(path, 0, 1000);
    // The shipper took from past r1 (everything before was shipped).
    recent.take(spool.activeSegment, fromDisk.offsets[2]!, 10);
    expect(recent.find('r1')).toBeNull();
    expect(recent.find('r2')).toEqual(sampleUsageEvent('r2'));
    await spool.close();
  });
});
