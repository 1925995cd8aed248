// The durable usage spool: checksummed records (spool-record.ts), one a line, in numbered segment files
// under `<stateDir>/spool/`. Group commit: the events appended while the previous group was on its way
// to disk go together as the next group, in one write; a stream's provisional record, which its first
// byte waits for, is written at once with whatever is pending. All I/O but that write is async
// (openSegmentFile).
//
// `sync: 'write'` (the default): an append resolves once its group is written. The page cache holds it,
// which outlives a crash or SIGKILL of this process, not a crash of the machine; the file is fdatasynced
// in the background every BACKGROUND_SYNC_MS, so a power cut loses at most that much usage. Measured
// (docs/benchmarks.md), a per-response fdatasync costs every request the disk's sync latency (0.2-4 ms at
// p50 on our disks, tens of ms at p99), several times nginx's whole overhead, so it is not the default.
// `sync: 'fdatasync'`: each group is also fdatasynced before its appends resolve, so a response whose
// final bytes wait for append() never outlives its usage event, not even a power cut.
//
// A failed write or fdatasync (ENOSPC, EIO) loses nothing: the group stays in memory, first in line,
// and is written again at the same offset after a short backoff, while `failure` tells the data plane
// to refuse new requests (a request we cannot record is not served). Appends already waiting resolve
// once a retry succeeds. close() gives up on a spool that still cannot write, or whose disk stopped
// answering, by logging every event it holds in full, so an operator can replay them (ingest is
// idempotent by request id, so an event that did reach the disk is not counted twice).
//
// The system calls that remain, and why each is needed (perf trace of a loaded data plane, issue 19):
// - a pwrite a group (about one per four requests at 8 in flight): a 200 is answered only once its
//   usage is in the page cache, which a SIGKILL does not lose; fewer would hold answers back for later turns.
// - an fdatasync at most every BACKGROUND_SYNC_MS while writes come (sync 'write'): the bound on what a
//   power cut loses; one per group with sync 'fdatasync'.
// - per segment (every 4 MiB): the new file's open, its directory's open and fsync (the new name must
//   survive a power cut, or its records are lost with it) and the old one's fdatasync and close.
// - the shipper's cursor (ship-usage.ts): a write and a rename once a round (a second) that shipped
//   anything: the rename is what keeps a torn cursor from ever being read.
import { constants, writeSync } from 'node:fs';
import { mkdir, open, readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { GatewayError } from '../../../shared/src/errors.ts';
import type { UsageEvent } from '../../../shared/src/usage-event.ts';
import type { WrittenGroup } from './recent-usage-events.ts';
import { recoverSpoolTail } from './recover-spool-tail.ts';
import { encodeSpoolRecordInto, spoolRecordBound } from './spool-record.ts';

/** The few file operations the spool needs; injectable so tests can make a disk fail. */
export interface SpoolFile {
  /** Synchronous (the real file's pwrite, below) or not (a test's disk that hangs). */
  write(buffer: Buffer, offset: number, length: number, position: number): WriteResult | Promise<WriteResult>;
  datasync(): Promise<void>;
  stat(): Promise<{ size: number }>;
  close(): Promise<void>;
}

interface WriteResult {
  bytesWritten: number;
}

export interface UsageSpoolOptions {
  directory: string;
  /** Most events in one group write; default 1000. */
  groupMaxEvents?: number;
  /** How long a group waits for more events before its write; default 0 (the current event-loop turn). */
  groupDelayMs?: number;
  /** Start a new segment once the current one is this large; default 4 MiB. */
  segmentMaxBytes?: number;
  /** When an append resolves: after its group's write (default) or after its fdatasync; see above. */
  sync?: SpoolSync;
  openFile?: (path: string) => Promise<SpoolFile>;
  /** Each group once written (and fdatasynced with sync 'fdatasync'): its segment, and its records where they lie (bytes valid during the call only). */
  onWritten?: (segment: number, written: WrittenGroup) => void;
  log?: (line: string) => void;
}

export type SpoolSync = 'fdatasync' | 'write';
export const spoolSyncModes: readonly SpoolSync[] = ['fdatasync', 'write'];
export const DEFAULT_SPOOL_SYNC: SpoolSync = 'write';

export const DEFAULT_GROUP_MAX_EVENTS = 1000;
const RETRY_FIRST_MS = 50;
const RETRY_MAX_MS = 1000;
const BACKGROUND_SYNC_MS = 200;
/** How long close() waits for a disk that stopped answering (a hung write or fdatasync) before giving up on it. */
const CLOSE_TIMEOUT_MS = 5_000;
const SEGMENT_PATTERN = /^usage-(\d{12})\.ndjson$/;

export function segmentFileName(segment: number): string {
  return `usage-${String(segment).padStart(12, '0')}.ndjson`;
}

export async function listSegments(directory: string): Promise<number[]> {
  const names = await readdir(directory).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as string[];
    throw error;
  });
  const segments: number[] = [];
  for (const name of names) {
    const match = SEGMENT_PATTERN.exec(name);
    if (match) segments.push(Number(match[1]));
  }
  return segments.sort((left, right) => left - right);
}

/**
 * Opens (creating) a segment for positional writes, and makes its directory entry durable. A group's
 * write is a pwrite on the event loop: it copies a few hundred bytes per event into the page cache in
 * microseconds, while the thread pool's round trip (a wake-up of a pool thread on the same CPU and one
 * back) cost about 10 % of the data plane's CPU under load (bench/compare-data-planes.ts). The price: a
 * write the kernel throttles (dirty pages piling up) holds the loop as long. fdatasync,
 * which waits for the disk, stays on the thread pool.
 */
async function openSegmentFile(path: string): Promise<SpoolFile> {
  // No O_APPEND: a retried group must land at the offset the failed attempt started from.
  const handle = await open(path, constants.O_RDWR | constants.O_CREAT, 0o600);
  const directory = await open(dirname(path), 'r');
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
  return {
    write: (buffer, offset, length, position) => ({ bytesWritten: writeSync(handle.fd, buffer, offset, length, position) }),
    datasync: () => handle.datasync(),
    stat: () => handle.stat(),
    close: () => handle.close(),
  };
}

/** The appends that wait for the same group: one promise for them all, settled once `upTo` records were written. */
interface Waiter {
  upTo: number;
  promise: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

function newWaiter(upTo: number): Waiter {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((onWritten, onFailed) => {
    resolve = onWritten;
    reject = onFailed;
  });
  return { upTo, promise, resolve, reject };
}

/** The buffer the records are encoded into at first; it doubles when the pending records need more. */
const INITIAL_BUFFER_BYTES = 64 * 1024;

export class UsageSpool {
  readonly directory: string;
  #segment: number;
  #file: SpoolFile;
  #size: number;
  #options: UsageSpoolOptions;
  #log: (line: string) => void;
  /**
   * The records not written yet, encoded back to back from the buffer's start, which is the segment's
   * `#size`: the group write takes them from here as they are. Encoding each record into a buffer of
   * its own and joining a group's with Buffer.concat made two more copies and two Buffers a record.
   */
  #buffer = Buffer.allocUnsafeSlow(INITIAL_BUFFER_BYTES);
  /** Where each pending record ends in `#buffer`, oldest first: as many as there are pending records. */
  #ends: number[] = [];
  /** Records appended, and written, since the spool opened. */
  #appended = 0;
  #writtenRecords = 0;
  /** Appends not written yet, oldest first; the last one is `#open` until a group takes its records. */
  #waiters: Waiter[] = [];
  #open: Waiter | null = null;
  #scheduled = false;
  /** A provisional record waits: the next group is written as soon as the one on its way is. */
  #urgent = false;
  #committing: Promise<void> | null = null;
  #retryTimer: NodeJS.Timeout | null = null;
  #failure: unknown = null;
  #failedAttempts = 0;
  #closed = false;
  /** sync 'write': bytes written since the last fdatasync, and the timer that syncs them. */
  #unsynced = false;
  #syncTimer: NodeJS.Timeout | null = null;

  private constructor(directory: string, segment: number, file: SpoolFile, size: number, options: UsageSpoolOptions) {
    this.directory = directory;
    this.#segment = segment;
    this.#file = file;
    this.#size = size;
    this.#options = { ...options, sync: options.sync ?? DEFAULT_SPOOL_SYNC };
    this.#log = options.log ?? (() => {});
    // Made here, not as a field's initialiser, which tsx (esbuild's keepNames) names with an Object.defineProperty.
    this.#runScheduled = () => this.#runScheduledGroup();
    if (this.#options.sync === 'write') {
      this.#syncTimer = setInterval(() => void this.#backgroundSync(), BACKGROUND_SYNC_MS);
      this.#syncTimer.unref();
    }
  }

  static async open(options: UsageSpoolOptions): Promise<UsageSpool> {
    const { groupMaxEvents } = options;
    if (groupMaxEvents !== undefined && !(Number.isInteger(groupMaxEvents) && groupMaxEvents >= 1)) {
      throw new Error(`the usage spool's group size must be a whole number of events, at least 1 (got ${groupMaxEvents})`);
    }
    await mkdir(options.directory, { recursive: true });
    const segments = await listSegments(options.directory);
    const segment = segments.at(-1) ?? 1;
    const path = join(options.directory, segmentFileName(segment));
    if (segments.length > 0) {
      const recovery = await recoverSpoolTail(options.directory, segment, path);
      if (recovery.quarantinedTo !== null) {
        options.log?.(
          `usage spool: cut ${recovery.removedBytes} damaged or torn bytes off the end of ${path} (copied to ${recovery.quarantinedTo}); every record before them is kept`,
        );
      }
    }
    const file = await (options.openFile ?? openSegmentFile)(path);
    const { size } = await file.stat();
    return new UsageSpool(options.directory, segment, file, size, options);
  }

  /** The segment being appended to; every lower segment is complete. */
  get activeSegment(): number {
    return this.#segment;
  }

  /** Why the spool cannot write right now, or null while it can. */
  get failure(): unknown {
    return this.#failure;
  }

  /**
   * Resolves once the event is written (with the rest of its group), and fdatasynced with sync 'fdatasync'.
   * `provisional`: a stream's stand-in, shipped only if its final event never comes (ship-usage.ts).
   */
  append(event: UsageEvent, provisional = false): Promise<void> {
    if (this.#closed) return Promise.reject(new GatewayError('usage_spool_unavailable', 'The usage spool is closed.'));
    const fill = this.#ends.length === 0 ? 0 : this.#ends[this.#ends.length - 1]!;
    const bound = fill + spoolRecordBound(event, provisional);
    if (bound > this.#buffer.length) this.#grow(bound);
    this.#ends.push(encodeSpoolRecordInto(event, provisional, this.#buffer, fill));
    this.#appended += 1;
    // The appends of one event-loop turn go to disk in one group and resolve together: one promise.
    let waiter = this.#open;
    if (waiter === null) {
      waiter = newWaiter(this.#appended);
      this.#open = waiter;
      this.#waiters.push(waiter);
    } else waiter.upTo = this.#appended;
    // A stream's first byte waits for its provisional record, and the check phase can be a whole loaded
    // turn of other callbacks away (docs/architecture.md, "Where the time goes"): it is written at once,
    // with whatever else is pending. Final records keep the group commit.
    if (provisional) this.#writeNow();
    else this.#schedule();
    return waiter.promise;
  }

  /**
   * Room for `bytes` of pending records. A write on its way (an asynchronous file's) keeps the old buffer,
   * whose bytes do not change: the new one starts with a copy of them.
   */
  #grow(bytes: number): void {
    const grown = Buffer.allocUnsafeSlow(Math.max(bytes, 2 * this.#buffer.length));
    this.#buffer.copy(grown, 0, 0, this.#ends.length === 0 ? 0 : this.#ends[this.#ends.length - 1]);
    this.#buffer = grown;
  }

  /** Resolves when everything appended so far is durable. */
  async flush(): Promise<void> {
    await Promise.all(this.#waiters.map((waiter) => waiter.promise));
  }

  /** Writes what it can, then closes; events that still cannot be written are logged in full. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    if (this.#syncTimer !== null) clearInterval(this.#syncTimer);
    // A disk that stops answering must not keep the process from exiting (issue 13, defect 10): past the
    // deadline, what is still unwritten is logged and the file is left as it is.
    let deadlineTimer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'stuck'>((resolve) => {
      deadlineTimer = setTimeout(() => resolve('stuck'), CLOSE_TIMEOUT_MS);
    });
    const outcome = await Promise.race([this.#writeRemaining().then(() => 'written' as const), deadline]);
    if (outcome === 'stuck') this.#log(`usage spool: the disk has not answered for ${CLOSE_TIMEOUT_MS} ms; closing without it`);
    let start = 0;
    for (const end of this.#ends.splice(0)) {
      this.#log(`usage spool: closing without writing this usage event: ${this.#buffer.toString('utf8', start, end).trimEnd()}`);
      start = end;
    }
    this.#open = null;
    for (const waiter of this.#waiters.splice(0)) {
      waiter.reject(new GatewayError('usage_spool_unavailable', "The usage spool could not write this request's usage record."));
    }
    if (outcome === 'written') await Promise.race([this.#backgroundSync().then(() => this.#file.close()), deadline]);
    clearTimeout(deadlineTimer);
  }

  /** A working spool writes everything; a failing one gets one last attempt. */
  async #writeRemaining(): Promise<void> {
    await this.#committing;
    while (this.#ends.length > 0) {
      const failedBefore = this.#failedAttempts;
      await this.#commit();
      if (this.#failedAttempts > failedBefore) break;
    }
  }

  /** sync 'write': makes what was written durable. A failure refuses new requests like a failed write. */
  async #backgroundSync(): Promise<void> {
    if (!this.#unsynced) return;
    this.#unsynced = false;
    try {
      await this.#file.datasync();
    } catch (error) {
      this.#unsynced = true;
      if (this.#failure === null) this.#log(`usage spool: background fdatasync failed (${String(error)}); new requests are refused until a write succeeds`);
      this.#failure = error;
    }
  }

  #schedule(): void {
    if (this.#scheduled || this.#committing !== null || this.#retryTimer !== null || this.#closed) return;
    this.#scheduled = true;
    const delay = this.#options.groupDelayMs ?? 0;
    if (delay > 0) setTimeout(this.#runScheduled, delay);
    else setImmediate(this.#runScheduled);
  }

  /** What the timer or setImmediate of #schedule runs: made once, in the constructor (#runScheduledGroup). */
  readonly #runScheduled: () => void;

  #runScheduledGroup(): void {
    this.#scheduled = false;
    // A provisional record's write may have taken the group, or still be on its way: its end schedules what is left.
    if (this.#committing === null && this.#ends.length > 0) this.#run();
  }

  /** Writes the pending group now, or right after the group on its way (not during a failure's backoff). */
  #writeNow(): void {
    if (this.#committing !== null || this.#retryTimer !== null || this.#closed) this.#urgent = true;
    else this.#run();
  }

  #run(): void {
    this.#urgent = false;
    const committing = this.#commit();
    if (committing === null) return this.#next();
    this.#committing = committing.finally(() => {
      this.#committing = null;
      this.#next();
    });
  }

  /** After a group: what was appended meanwhile goes next. */
  #next(): void {
    if (this.#ends.length === 0) return;
    if (this.#urgent) this.#writeNow();
    else this.#schedule();
  }

  /**
   * Writes (and with sync 'fdatasync' fdatasyncs) the next group; on failure keeps it first in line and
   * schedules a retry. With sync 'write' and a synchronous file, as in production, the group is written
   * and its appends resolved before this returns: null. A promise, four more per group and as many
   * microtask hops before the answer, only when it has to wait (a new segment, an fdatasync, an
   * asynchronous file).
   */
  #commit(): Promise<void> | null {
    const count = Math.min(this.#ends.length, this.#options.groupMaxEvents ?? DEFAULT_GROUP_MAX_EVENTS);
    if (count === 0) return null;
    // Appends from now on wait for the next group.
    this.#open = null;
    const bytes = this.#buffer;
    const length = this.#ends[count - 1]!;
    if (this.#options.sync !== 'write' || this.#size >= this.#segmentMaxBytes) return this.#commitAsync(count, bytes, length, 0, null);
    let written = 0;
    try {
      while (written < length) {
        const result = this.#file.write(bytes, written, length - written, this.#size + written);
        if ('then' in result) return this.#commitAsync(count, bytes, length, written, result);
        written += result.bytesWritten;
      }
    } catch (error) {
      this.#failed(error);
      return null;
    }
    this.#unsynced = true;
    this.#written(count, length);
    return null;
  }

  /**
   * #commit's path that waits: the group is the first `count` records, `length` bytes of `bytes` (the
   * buffer as it was; appends meanwhile may grow a new one); `written` of them are on disk and `writing` is on its way.
   */
  async #commitAsync(count: number, bytes: Buffer, length: number, written: number, writing: Promise<WriteResult> | null): Promise<void> {
    try {
      if (writing !== null) written += (await writing).bytesWritten;
      else if (this.#size >= this.#segmentMaxBytes) await this.#rotate();
      while (written < length) {
        const result = await this.#file.write(bytes, written, length - written, this.#size + written);
        written += result.bytesWritten;
      }
      if (this.#options.sync === 'write') this.#unsynced = true;
      else await this.#file.datasync();
    } catch (error) {
      this.#failed(error);
      return;
    }
    this.#written(count, length);
  }

  get #segmentMaxBytes(): number {
    return this.#options.segmentMaxBytes ?? 4 * 1024 * 1024;
  }

  /** A group's write or fdatasync failed: it stays first in line, and is retried after a backoff. */
  #failed(error: unknown): void {
    this.#failedAttempts += 1;
    if (this.#failure === null) {
      this.#log(
        `usage spool: cannot write (${String(error)}); holding ${this.#ends.length} usage events in memory and retrying; new requests are refused until a write succeeds`,
      );
    }
    this.#failure = error;
    if (!this.#closed) {
      const delay = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** Math.min(this.#failedAttempts - 1, 10));
      this.#retryTimer = setTimeout(() => {
        this.#retryTimer = null;
        this.#schedule();
      }, delay);
    }
  }

  /** A group, the first `count` records (`length` bytes), is written (and fdatasynced with sync 'fdatasync'): its appends resolve. */
  #written(count: number, length: number): void {
    const ends = this.#ends;
    this.#options.onWritten?.(this.#segment, { bytes: this.#buffer, ends, count, position: this.#size });
    this.#size += length;
    this.#writtenRecords += count;
    if (count === ends.length) ends.length = 0;
    else {
      // Records appended while the group was on its way (or past its size limit) move to the buffer's start.
      this.#buffer.copyWithin(0, length, ends[ends.length - 1]);
      ends.splice(0, count);
      for (let index = 0; index < ends.length; index++) ends[index]! -= length;
    }
    if (this.#failure !== null) {
      this.#log(`usage spool: writing again after ${this.#failedAttempts} failed attempts; nothing was lost`);
      this.#failure = null;
      this.#failedAttempts = 0;
    }
    const waiters = this.#waiters;
    let settled = 0;
    while (settled < waiters.length && waiters[settled]!.upTo <= this.#writtenRecords) waiters[settled++]!.resolve();
    if (settled === waiters.length) waiters.length = 0;
    else waiters.splice(0, settled);
  }

  async #rotate(): Promise<void> {
    const next = this.#segment + 1;
    const file = await (this.#options.openFile ?? openSegmentFile)(join(this.directory, segmentFileName(next)));
    // Every group in the old segment was fdatasynced when it was written, or is now (sync 'write'; a
    // failure here fails the commit, which is retried).
    if (this.#unsynced) {
      await this.#file.datasync();
      this.#unsynced = false;
    }
    await this.#file.close().catch((error: unknown) => this.#log(`usage spool: closing segment ${this.#segment} failed: ${String(error)}`));
    this.#file = file;
    this.#segment = next;
    this.#size = 0;
  }
}
