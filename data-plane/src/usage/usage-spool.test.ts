// The spool on a temp directory: group commit (one write and one fdatasync per group, acknowledged only
// after both), segments, a failing disk (fault injected through the file layer), and recovery of a
// damaged tail on start.
import { constants, writeSync } from 'node:fs';
import { appendFile, mkdtemp, open, readdir, readFile, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GatewayError } from '../../../shared/src/errors.ts';
import { readSpoolBatch } from './ship-usage.ts';
import { sampleUsageEvent } from '../../../test/support/usage-event.ts';
import { encodeSpoolRecord } from './spool-record.ts';
import { listSegments, segmentFileName, UsageSpool, type SpoolFile } from './usage-spool.ts';

let directory: string;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'usage-spool-test-'));
});

afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

function diskError(code: 'ENOSPC' | 'EIO'): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: simulated`), { code });
}

/** A real segment file whose operations are recorded and can be made to fail or wait; it writes synchronously, as the spool's own file does. */
class FaultyFile implements SpoolFile {
  calls: string[] = [];
  /** Each write call takes the next entry: 'ok', 'half' (writes half, then returns) or an error to throw. */
  writeFaults: Array<'half' | NodeJS.ErrnoException> = [];
  syncFaults: NodeJS.ErrnoException[] = [];
  /** When set, datasync waits for it (holdSyncs). */
  syncGate: Promise<void> | null = null;
  constructor(private readonly file: FileHandle) {}

  static opener(files: FaultyFile[]) {
    return async (path: string) => {
      const file = new FaultyFile(await open(path, constants.O_RDWR | constants.O_CREAT));
      files.push(file);
      return file;
    };
  }

  /** Makes every datasync wait until the returned function is called. */
  holdSyncs(): () => void {
    let release!: () => void;
    this.syncGate = new Promise((resolve) => (release = resolve));
    return release;
  }

  write(buffer: Buffer, offset: number, length: number, position: number) {
    const fault = this.writeFaults.shift();
    this.calls.push(`write ${length}@${position}`);
    if (fault === 'half') return { bytesWritten: writeSync(this.file.fd, buffer, offset, Math.floor(length / 2), position) };
    if (fault) throw fault;
    return { bytesWritten: writeSync(this.file.fd, buffer, offset, length, position) };
  }

  async datasync() {
    this.calls.push('datasync');
    if (this.syncGate) await this.syncGate;
    const fault = this.syncFaults.shift();
    if (fault) throw fault;
    return this.file.datasync();
  }

  stat() {
    return this.file.stat();
  }

  close() {
    return this.file.close();
  }
}

/** A spool in the test's directory whose file is a FaultyFile. */
async function openSpool(options: Omit<Parameters<typeof UsageSpool.open>[0], 'directory' | 'openFile'>): Promise<{ spool: UsageSpool; file: FaultyFile }> {
  const files: FaultyFile[] = [];
  const spool = await UsageSpool.open({ directory, openFile: FaultyFile.opener(files), ...options });
  return { spool, file: files[0]! };
}

async function requestIdsIn(segment: number): Promise<string[]> {
  const { events, damaged } = await readSpoolBatch(join(directory, segmentFileName(segment)), 0, 10_000);
  expect(damaged).toEqual([]);
  return events.map((event) => event.requestId);
}

async function provisionalIdsIn(segment: number): Promise<string[]> {
  const { provisional, damaged } = await readSpoolBatch(join(directory, segmentFileName(segment)), 0, 10_000);
  expect(damaged).toEqual([]);
  return provisional.map((record) => record.requestId);
}

function settled(promise: Promise<unknown>): () => boolean {
  let done = false;
  void promise.then(
    () => (done = true),
    () => (done = true),
  );
  return () => done;
}

describe('UsageSpool group commit', () => {
  it('writes the events of one turn with one write and one fdatasync, and acknowledges only after the fdatasync', async () => {
    const { spool, file } = await openSpool({ sync: 'fdatasync' });
    const openGate = file.holdSyncs();

    const appends = Promise.all(['a', 'b', 'c'].map((id) => spool.append(sampleUsageEvent(id))));
    const acknowledged = settled(appends);
    await expect.poll(() => file.calls).toEqual([expect.stringMatching(/^write \d+@0$/), 'datasync']);
    await new Promise((resolve) => setImmediate(resolve));
    expect(acknowledged()).toBe(false);

    openGate();
    await appends;
    expect(file.calls).toHaveLength(2);
    expect(await requestIdsIn(1)).toEqual(['a', 'b', 'c']);
    await spool.close();
  });

  it('gathers the events appended while a group is being synced into the next group', async () => {
    const { spool, file } = await openSpool({ sync: 'fdatasync' });
    const openGate = file.holdSyncs();
    const first = spool.append(sampleUsageEvent('first'));
    await expect.poll(() => file.calls).toContain('datasync');
    const later = ['x', 'y', 'z'].map((id) => spool.append(sampleUsageEvent(id)));
    file.syncGate = null;
    openGate();
    await Promise.all([first, ...later]);
    expect(file.calls.filter((call) => call === 'datasync')).toHaveLength(2);
    expect(file.calls.filter((call) => call.startsWith('write'))).toHaveLength(2);
    expect(await requestIdsIn(1)).toEqual(['first', 'x', 'y', 'z']);
    await spool.close();
  });

  it("with sync 'write', acknowledges after the write and fdatasyncs in the background", async () => {
    const { spool, file } = await openSpool({ sync: 'write' });
    const openGate = file.holdSyncs();
    // No fdatasync can finish while the gate is shut, so these resolve on the write alone.
    await Promise.all(['a', 'b'].map((id) => spool.append(sampleUsageEvent(id))));
    expect(file.calls.filter((call) => call.startsWith('write'))).toHaveLength(1);
    expect(await requestIdsIn(1)).toEqual(['a', 'b']);
    await expect.poll(() => file.calls).toContain('datasync');
    openGate();
    await spool.close();
  });

  it("with sync 'write', a failing background fdatasync refuses new requests until a write succeeds", async () => {
    const { spool, file } = await openSpool({ sync: 'write' });
    file.syncFaults = [diskError('EIO')];
    await spool.append(sampleUsageEvent('a'));
    await expect.poll(() => spool.failure).not.toBeNull();
    await spool.append(sampleUsageEvent('b'));
    expect(spool.failure).toBeNull();
    await spool.close();
    // The bytes the failed fdatasync left unsynced are synced again before the file closes.
    expect(file.calls.at(-1)).toBe('datasync');
    expect(await requestIdsIn(1)).toEqual(['a', 'b']);
  });

  it("writes a stream's provisional record at once, with the events waiting for the turn's end", async () => {
    const { spool, file } = await openSpool({ sync: 'write' });
    const final = spool.append(sampleUsageEvent('final'));
    const provisional = spool.append(sampleUsageEvent('stream'), true);
    // The stream's first byte waits for this record: its write does not wait for the event loop's turn to end.
    expect(file.calls).toEqual([expect.stringMatching(/^write \d+@0$/)]);
    await Promise.all([final, provisional]);
    expect(file.calls.filter((call) => call.startsWith('write'))).toHaveLength(1);
    expect(await requestIdsIn(1)).toEqual(['final']);
    expect(await provisionalIdsIn(1)).toEqual(['stream']);
    await spool.close();
  });

  it('writes every record whole, and hands onWritten the bytes written, when events appended while a group waits outgrow its buffer', async () => {
    const handed: Buffer[] = [];
    const { spool, file } = await openSpool({
      sync: 'fdatasync',
      groupMaxEvents: 150,
      // The bytes are the spool's own buffer, valid during the call only: copied.
      onWritten: (_segment, written) => handed.push(Buffer.from(written.bytes.subarray(0, written.ends[written.count - 1]))),
    });
    const openGate = file.holdSyncs();
    const first = spool.append(sampleUsageEvent('first'));
    await expect.poll(() => file.calls).toContain('datasync');
    // About 130 KB of records while the first group's fdatasync waits: more than the spool's buffer holds at first.
    const ids = Array.from({ length: 200 }, (_, index) => `later-${index}-${'x'.repeat(index % 7)}`);
    const later = ids.map((id) => spool.append(sampleUsageEvent(id)));
    file.syncGate = null;
    openGate();
    await Promise.all([first, ...later]);
    expect(await requestIdsIn(1)).toEqual(['first', ...ids]);
    expect(Buffer.concat(handed)).toEqual(await readFile(join(directory, segmentFileName(1))));
    expect(handed).toHaveLength(3);
    await spool.close();
  });

  it('caps a group at groupMaxEvents', async () => {
    const { spool, file } = await openSpool({ sync: 'fdatasync', groupMaxEvents: 2 });
    await Promise.all(['a', 'b', 'c', 'd', 'e'].map((id) => spool.append(sampleUsageEvent(id))));
    expect(file.calls.filter((call) => call === 'datasync')).toHaveLength(3);
    expect(await requestIdsIn(1)).toEqual(['a', 'b', 'c', 'd', 'e']);
    await spool.close();
  });

  it('rolls over to a new segment past the size limit', async () => {
    const spool = await UsageSpool.open({ directory, segmentMaxBytes: 1 });
    await spool.append(sampleUsageEvent('a'));
    await spool.append(sampleUsageEvent('b'));
    await spool.append(sampleUsageEvent('c'));
    expect(await listSegments(directory)).toEqual([1, 2, 3]);
    expect(spool.activeSegment).toBe(3);
    expect(await requestIdsIn(2)).toEqual(['b']);
    await spool.close();
  });
});

describe('UsageSpool on a failing disk', () => {
  it('keeps an event whose write failed with ENOSPC, reports the failure, and writes it once the disk has room', async () => {
    const log: string[] = [];
    const { spool, file } = await openSpool({ sync: 'fdatasync', log: (line) => log.push(line) });
    await spool.append(sampleUsageEvent('before'));
    // Half of the group reaches the file, then the disk is full; two retries fail too.
    file.writeFaults = ['half', diskError('ENOSPC'), diskError('ENOSPC'), diskError('ENOSPC')];

    const append = spool.append(sampleUsageEvent('during'));
    const acknowledged = settled(append);
    await expect.poll(() => spool.failure).toMatchObject({ code: 'ENOSPC' });
    expect(acknowledged()).toBe(false);
    expect(log.join('\n')).toContain('holding 1 usage events in memory');

    await append; // the fourth attempt has room
    expect(spool.failure).toBeNull();
    expect(log.join('\n')).toContain('nothing was lost');
    // Written once, at the offset the torn attempt started from: no half record is left behind.
    expect(await requestIdsIn(1)).toEqual(['before', 'during']);
    await spool.close();
  });

  it('writes the group again when fdatasync fails with EIO (the page cache may have dropped it)', async () => {
    const { spool, file } = await openSpool({ sync: 'fdatasync' });
    file.syncFaults = [diskError('EIO')];
    await spool.append(sampleUsageEvent('synced'));
    expect(file.calls).toEqual([expect.stringMatching(/^write \d+@0$/), 'datasync', expect.stringMatching(/^write \d+@0$/), 'datasync']);
    expect(await requestIdsIn(1)).toEqual(['synced']);
    await spool.close();
  });

  it('on close, logs in full every event it still cannot write and rejects its append', async () => {
    const log: string[] = [];
    const { spool, file } = await openSpool({ sync: 'fdatasync', log: (line) => log.push(line) });
    file.writeFaults = Array.from({ length: 100 }, () => diskError('ENOSPC'));
    const outcome = spool.append(sampleUsageEvent('stranded')).catch((error: unknown) => error);
    await expect.poll(() => spool.failure).not.toBeNull();
    await spool.close();
    expect(await outcome).toBeInstanceOf(GatewayError);
    expect(await outcome).toMatchObject({ code: 'usage_spool_unavailable' });
    const kept = log.find((line) => line.includes('closing without writing'));
    expect(kept).toContain(encodeSpoolRecord(sampleUsageEvent('stranded')).toString().trimEnd());
    await expect(spool.append(sampleUsageEvent('late'))).rejects.toMatchObject({ code: 'usage_spool_unavailable' });
  });
});

describe('UsageSpool recovery on start', () => {
  async function spoolWith(ids: string[]): Promise<string> {
    const spool = await UsageSpool.open({ directory });
    for (const id of ids) await spool.append(sampleUsageEvent(id));
    await spool.close();
    return join(directory, segmentFileName(1));
  }

  it('cuts a torn last record off, reports it, quarantines its bytes, and keeps appending after the good ones', async () => {
    const path = await spoolWith(['one', 'two']);
    const torn = encodeSpoolRecord(sampleUsageEvent('torn')).toString().slice(0, 40);
    await appendFile(path, torn);
    const log: string[] = [];
    const reopened = await UsageSpool.open({ directory, log: (line) => log.push(line) });
    await reopened.append(sampleUsageEvent('after'));
    await reopened.close();
    expect(await requestIdsIn(1)).toEqual(['one', 'two', 'after']);
    expect(log).toEqual([expect.stringContaining(`cut ${torn.length} damaged or torn bytes off the end of ${path}`)]);
    const quarantined = await readdir(join(directory, 'quarantine'));
    expect(quarantined).toHaveLength(1);
    expect(await readFile(join(directory, 'quarantine', quarantined[0] as string), 'utf8')).toBe(torn);
  });

  it('cuts whole records failing their checksum at the end, and zero-filled bytes after them', async () => {
    const path = await spoolWith(['kept']);
    const damaged = encodeSpoolRecord(sampleUsageEvent('damaged')).toString().replace('"costMicros":3', '"costMicros":9');
    await appendFile(path, damaged + encodeSpoolRecord(sampleUsageEvent('bitrot')).toString().replace('bitrot', 'bitr0t'));
    await appendFile(path, Buffer.alloc(512));
    const reopened = await UsageSpool.open({ directory });
    await reopened.append(sampleUsageEvent('after'));
    await reopened.close();
    expect(await requestIdsIn(1)).toEqual(['kept', 'after']);
  });

  it('leaves a spool that ends in a good record as it is', async () => {
    const path = await spoolWith(['a', 'b']);
    const before = await readFile(path);
    const log: string[] = [];
    await (await UsageSpool.open({ directory, log: (line) => log.push(line) })).close();
    expect(await readFile(path)).toEqual(before);
    expect(log).toEqual([]);
  });
});
