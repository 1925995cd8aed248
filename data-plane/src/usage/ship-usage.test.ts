// The shipper on a temp spool: batches, the persisted cursor, backoff while the control plane is down
// and resumption, deletion of shipped segments, damaged records quarantined instead of blocking, and a
// crash between an accepted batch and the cursor write.
import { appendFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { USAGE_EVENT_LIMITS, UsageBatchRefusedError, type UsageEvent } from '../../../shared/src/usage-event.ts';
import { RecentUsageEvents } from './recent-usage-events.ts';
import { sampleUsageEvent } from '../../../test/support/usage-event.ts';
import { closeInterruptedStreams, shippingBackoffMs, UsageShipper, type UsageShipperOptions } from './ship-usage.ts';
import { loadCursor } from './spool-cursor.ts';
import { encodeSpoolRecord } from './spool-record.ts';
import { listSegments, segmentFileName, UsageSpool } from './usage-spool.ts';

let directory: string;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'ship-usage-test-'));
});

afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

function shipperFor(spool: UsageSpool, options: Partial<UsageShipperOptions> & Pick<UsageShipperOptions, 'send'>): UsageShipper {
  return new UsageShipper({ directory, activeSegment: () => spool.activeSegment, batchSize: 3, intervalMs: 60_000, log: () => {}, ...options });
}

/** The events a send carried, from their JSON texts (what the control plane receives). */
const eventsOf = (json: Buffer[]) => json.map((text) => JSON.parse(text.toString('utf8')) as UsageEvent);
const idsOf = (events: UsageEvent[]) => events.map((event) => event.requestId);

/** Spools the events and closes the spool, as a data plane that stopped; the path of their segment, to damage or extend. */
async function stoppedSpoolWith(...requestIds: string[]): Promise<string> {
  const spool = await UsageSpool.open({ directory });
  for (const requestId of requestIds) await spool.append(sampleUsageEvent(requestId));
  await spool.close();
  return join(directory, segmentFileName(1));
}

describe('UsageShipper', () => {
  it('ships in batches, advances the cursor only after success, deletes shipped segments, resumes after a restart', async () => {
    const spool = await UsageSpool.open({ directory, segmentMaxBytes: 2000 });
    for (let index = 0; index < 7; index += 1) await spool.append(sampleUsageEvent(`r${index}`));
    expect((await listSegments(directory)).length).toBeGreaterThan(1);

    const received: string[][] = [];
    let down = true;
    const shipper = shipperFor(spool, {
      send: async (ids) => {
        if (down) throw new Error('control plane down');
        received.push(ids);
      },
    });
    await expect(shipper.shipNow()).rejects.toThrow('control plane down');
    expect(await loadCursor(directory)).toEqual({ segment: 0, offset: 0 });

    down = false;
    expect(await shipper.shipNow()).toBe(7);
    expect(received.flat()).toEqual(['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6']);
    expect(Math.max(...received.map((batch) => batch.length))).toBeLessThanOrEqual(3);
    // Every segment but the active one is gone; the cursor sits in the active one.
    expect(await listSegments(directory)).toEqual([spool.activeSegment]);
    expect((await loadCursor(directory)).segment).toBe(spool.activeSegment);

    // Nothing is shipped twice, and new events follow.
    await spool.append(sampleUsageEvent('r7'));
    expect(await shipper.shipNow()).toBe(1);
    expect(received.flat().filter((id) => id === 'r7')).toHaveLength(1);
    shipper.stop();
    await spool.close();

    // A new shipper (a restart) resumes from the persisted cursor.
    const restarted = shipperFor(spool, { send: async (ids) => void received.push(ids) });
    expect(await restarted.shipNow()).toBe(0);
    restarted.stop();
    expect((await readdir(directory)).sort()).toEqual(['cursor.json', segmentFileName(spool.activeSegment)]);
  });

  it('keeps retrying on its own while the control plane is down, and delivers once it is back', async () => {
    const spool = await UsageSpool.open({ directory });
    await spool.append(sampleUsageEvent('waiting'));
    let attempts = 0;
    const received: string[] = [];
    const shipper = shipperFor(spool, {
      intervalMs: 1,
      maxBackoffMs: 5,
      send: async (ids) => {
        attempts += 1;
        if (attempts <= 3) throw new Error('control plane down');
        received.push(...ids);
      },
    });
    await shipper.start();
    await expect.poll(() => received).toEqual(['waiting']);
    expect(attempts).toBe(4);
    shipper.stop();
    // A round the timer started may still be saving the cursor; shipNow queues behind it, so the
    // directory is not removed under it (afterEach failed with ENOTEMPTY under load).
    await expect(shipper.shipNow()).resolves.toBe(0);
    expect(attempts).toBe(4);
    await spool.close();
  });

  it('re-sends a batch whose cursor write failed (as after a crash once the ingest committed), and nothing else', async () => {
    const spool = await UsageSpool.open({ directory });
    for (const id of ['a', 'b']) await spool.append(sampleUsageEvent(id));
    const received: string[][] = [];
    const shipper = shipperFor(spool, { send: async (ids) => void received.push(ids) });
    // A directory where the cursor's temp file goes makes the cursor write fail after send succeeded.
    await mkdir(join(directory, 'cursor.json.tmp'));
    await expect(shipper.shipNow()).rejects.toThrow();
    await rm(join(directory, 'cursor.json.tmp'), { recursive: true });
    // The same shipper sends the batch again (its cursor never moved); then a restarted one has nothing left.
    await shipper.shipNow();
    await expect(shipperFor(spool, { send: async (ids) => void received.push(ids) }).shipNow()).resolves.toBe(0);
    expect(received).toEqual([
      ['a', 'b'],
      ['a', 'b'],
    ]);
    await spool.append(sampleUsageEvent('c'));
    await shipper.shipNow();
    expect(received.at(-1)).toEqual(['c']);
    await spool.close();
  });

  it('quarantines a damaged record in the middle and ships the records around it', async () => {
    const path = await stoppedSpoolWith('before');
    const damaged = encodeSpoolRecord(sampleUsageEvent('damaged')).toString().replace('"promptTokens":1', '"promptTokens":7');
    await appendFile(path, damaged);
    await appendFile(path, encodeSpoolRecord(sampleUsageEvent('after')));
    // Written before records had checksums: still shipped.
    await appendFile(path, `${JSON.stringify(sampleUsageEvent('legacy'))}\n`);

    const log: string[] = [];
    const reopened = await UsageSpool.open({ directory });
    const received: string[] = [];
    const shipper = shipperFor(reopened, { batchSize: 10, send: async (ids) => void received.push(...ids), log: (line) => log.push(line) });
    expect(await shipper.shipNow()).toBe(3);
    expect(received).toEqual(['before', 'after', 'legacy']);
    expect(log).toEqual([expect.stringContaining('passing over a damaged record (checksum mismatch)')]);
    const [copy] = await readdir(join(directory, 'quarantine'));
    expect(await readFile(join(directory, 'quarantine', copy as string), 'utf8')).toBe(damaged);
    await reopened.close();
  });

  it('splits a batch the control plane refuses, quarantines the refused event alone and ships the rest (issue 13, defect 2)', async () => {
    const spool = await UsageSpool.open({ directory });
    for (const id of ['a', 'b', 'refused', 'c', 'd']) await spool.append(sampleUsageEvent(id));
    const received: string[] = [];
    const log: string[] = [];
    const shipper = shipperFor(spool, {
      batchSize: 5,
      send: async (ids) => {
        if (ids.includes('refused')) throw new UsageBatchRefusedError('invalid input');
        received.push(...ids);
      },
      log: (line) => log.push(line),
    });
    expect(await shipper.shipNow()).toBe(5);
    expect(received).toEqual(['a', 'b', 'c', 'd']);
    expect(log).toEqual([expect.stringContaining('passing over the usage event')]);
    const [copy] = await readdir(join(directory, 'quarantine'));
    expect(await readFile(join(directory, 'quarantine', copy as string), 'utf8')).toContain('"requestId":"refused"');
    // Nothing is sent again.
    expect(await shipper.shipNow()).toBe(0);
    await spool.close();
  });

  it('bounds a spooled record an older data plane wrote unbounded, instead of passing it over', async () => {
    const path = await stoppedSpoolWith();
    await appendFile(path, encodeSpoolRecord({ ...sampleUsageEvent('old'), servedModel: 'a\u0000b', promptTokens: 3_000_000_000 }));
    const reopened = await UsageSpool.open({ directory });
    const received: UsageEvent[] = [];
    const shipper = shipperFor(reopened, { send: async (ids, json) => void received.push(...eventsOf(json)) });
    expect(await shipper.shipNow()).toBe(1);
    expect(received[0]).toMatchObject({ requestId: 'old', servedModel: 'ab', promptTokens: USAGE_EVENT_LIMITS.tokens });
    await reopened.close();
  });

  it('follows the spool when a damaged tail past its cursor was cut off at start', async () => {
    const spool = await UsageSpool.open({ directory });
    await spool.append(sampleUsageEvent('shipped'));
    await spool.close();
    const path = join(directory, segmentFileName(1));
    // A checksum-failing record at the end, already passed over by the shipper before a crash.
    await appendFile(path, encodeSpoolRecord(sampleUsageEvent('bad')).toString().replace('"m"', '"n"'));
    const received: string[] = [];
    const first = shipperFor(spool, { send: async (ids) => void received.push(...ids) });
    await first.shipNow();
    expect(received).toEqual(['shipped']);

    const reopened = await UsageSpool.open({ directory }); // cuts the bad record the cursor is past
    await reopened.append(sampleUsageEvent('next'));
    const restarted = shipperFor(reopened, { send: async (ids) => void received.push(...ids) });
    await restarted.shipNow();
    expect(received).toEqual(['shipped', 'next']);
    await reopened.close();
  });

  it('refuses a batch size the control plane would refuse', async () => {
    const spool = await UsageSpool.open({ directory });
    for (const batchSize of [0, 1.5, 5001]) expect(() => shipperFor(spool, { batchSize, send: async () => {} })).toThrow('usage batch size');
    expect(() => shipperFor(spool, { batchSize: 5000, send: async () => {} })).not.toThrow();
    await spool.close();
  });

  it('starts from the oldest segment when the cursor file is unreadable', async () => {
    await writeFile(join(directory, 'cursor.json'), '{torn');
    expect(await loadCursor(directory)).toEqual({ segment: 0, offset: 0 });
  });
});

describe('shippingBackoffMs', () => {
  const options = { intervalMs: 20, maxBackoffMs: 30_000 };

  it('doubles from 500 ms with each failure and stops at the cap', () => {
    const top = (failures: number) => shippingBackoffMs(failures, { ...options, random: () => 1 });
    expect([1, 2, 3, 4, 5, 6, 7, 8, 20, 1000].map(top)).toEqual([500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000, 30_000]);
  });

  it('jitters into the upper half of the wait, never below the shipping interval', () => {
    expect(shippingBackoffMs(3, { ...options, random: () => 0 })).toBe(1000);
    expect(shippingBackoffMs(3, { ...options, random: () => 0.5 })).toBe(1500);
    expect(shippingBackoffMs(1, { intervalMs: 5000, maxBackoffMs: 30_000, random: () => 0 })).toBe(5000);
  });
});

describe('provisional records (a stream cut by SIGKILL is billed once)', () => {
  const provisional = (requestId: string): UsageEvent => ({ ...sampleUsageEvent(requestId), errorCode: 'stream_interrupted', costMicros: 900 });
  const final = (requestId: string): UsageEvent => ({ ...sampleUsageEvent(requestId), costMicros: 40 });

  it('ships only the final record of a stream, and keeps the segment of a stream still running (events from memory)', async () => {
    const recent = new RecentUsageEvents();
    const spool = await UsageSpool.open({ directory, segmentMaxBytes: 1000, onWritten: (segment, written) => recent.add(segment, written) });
    await spool.append(provisional('long'), true);
    for (let index = 0; index < 6; index += 1) await spool.append(final(`r${index}`));
    const first = (await listSegments(directory))[0]!;
    expect(spool.activeSegment).toBeGreaterThan(first);
    const sent: UsageEvent[] = [];
    const shipper = shipperFor(spool, { recent, send: async (ids, json) => void sent.push(...eventsOf(json)) });
    expect(await shipper.shipNow()).toBe(6);
    expect(idsOf(sent)).not.toContain('long');
    // The provisional record's segment stays while its stream runs.
    expect(await listSegments(directory)).toContain(first);

    await spool.append(final('long'));
    await shipper.shipNow();
    expect(sent.filter((event) => event.requestId === 'long')).toEqual([final('long')]);
    expect(await listSegments(directory)).not.toContain(first);
    shipper.stop();
    await spool.close();
  });

  it('after a restart, ships a provisional record left without its final one, once, and nothing twice', async () => {
    let spool = await UsageSpool.open({ directory, segmentMaxBytes: 1000 });
    await spool.append(provisional('done'), true);
    await spool.append(provisional('killed'), true);
    for (let index = 0; index < 6; index += 1) await spool.append(final(`r${index}`));
    await spool.append(final('done'));
    const sent: UsageEvent[] = [];
    let shipper = shipperFor(spool, { send: async (ids, json) => void sent.push(...eventsOf(json)) });
    await shipper.shipNow(); // the cursor passes both provisional records; 'killed' is still waiting
    shipper.stop();
    await spool.close(); // as a SIGKILL leaves it: 'killed' never gets its final record

    spool = await UsageSpool.open({ directory, segmentMaxBytes: 1000 });
    expect(await closeInterruptedStreams(directory, (event) => spool.append(event))).toBe(1);
    shipper = shipperFor(spool, { send: async (ids, json) => void sent.push(...eventsOf(json)) });
    await shipper.shipNow();
    // A second restart finds nothing left to close.
    expect(await closeInterruptedStreams(directory, (event) => spool.append(event))).toBe(0);
    await shipper.shipNow();
    expect(idsOf(sent).sort()).toEqual(['done', 'killed', 'r0', 'r1', 'r2', 'r3', 'r4', 'r5']);
    expect(sent.find((event) => event.requestId === 'killed')).toEqual(provisional('killed'));
    expect(sent.find((event) => event.requestId === 'done')).toEqual(final('done'));
    shipper.stop();
    await spool.close();
  });
});
