// The durable usage spool: events appended as NDJSON to numbered segment files under
// `<stateDir>/spool/`. Group commit: every event appended during one event-loop turn goes to disk with
// ONE write, and each append() resolves only after that write completed, so a response whose final
// bytes wait for append() never outlives its usage event (the page cache survives SIGKILL). fdatasync
// runs on an interval and on close (that covers power loss up to the interval). All I/O is async.
import { mkdir, open, readdir, readFile, truncate, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { UsageEvent } from '../../../shared/src/usage-event.ts';

export interface UsageSpoolOptions {
  directory: string;
  /** fdatasync interval; default 50 ms. */
  fsyncIntervalMs?: number;
  /** Start a new segment once the current one is this large; default 4 MiB. */
  segmentMaxBytes?: number;
  log?: (line: string) => void;
}

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

/** Cuts a torn last line (a write interrupted by a crash) off the end of a segment. Returns bytes removed. */
export async function truncateTornTail(path: string): Promise<number> {
  const content = await readFile(path);
  if (content.length === 0 || content[content.length - 1] === 0x0a) return 0;
  const keep = content.lastIndexOf(0x0a) + 1;
  await truncate(path, keep);
  return content.length - keep;
}

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

export class UsageSpool {
  readonly directory: string;
  #segment: number;
  #handle: FileHandle;
  #size: number;
  #segmentMaxBytes: number;
  #pending: string[] = [];
  #waiters: Waiter[] = [];
  #scheduled = false;
  #writing: Promise<void> | null = null;
  #dirty = false;
  #syncing: Promise<void> | null = null;
  #fsyncTimer: NodeJS.Timeout;
  #closed = false;

  private constructor(directory: string, segment: number, handle: FileHandle, size: number, options: UsageSpoolOptions) {
    this.directory = directory;
    this.#segment = segment;
    this.#handle = handle;
    this.#size = size;
    this.#segmentMaxBytes = options.segmentMaxBytes ?? 4 * 1024 * 1024;
    this.#fsyncTimer = setInterval(() => {
      if (this.#dirty) this.sync().catch((error: unknown) => options.log?.(`usage spool fsync failed: ${String(error)}`));
    }, options.fsyncIntervalMs ?? 50);
    this.#fsyncTimer.unref();
  }

  static async open(options: UsageSpoolOptions): Promise<UsageSpool> {
    await mkdir(options.directory, { recursive: true });
    const segments = await listSegments(options.directory);
    const segment = segments.at(-1) ?? 1;
    const path = join(options.directory, segmentFileName(segment));
    if (segments.length > 0) {
      const removed = await truncateTornTail(path);
      if (removed > 0) options.log?.(`usage spool: cut a torn line of ${removed} bytes off ${path}`);
    }
    const handle = await open(path, 'a');
    const { size } = await handle.stat();
    return new UsageSpool(options.directory, segment, handle, size, options);
  }

  /** The segment being appended to; every lower segment is complete. */
  get activeSegment(): number {
    return this.#segment;
  }

  /** Resolves once the event is written to the segment file (with the others of this turn). */
  append(event: UsageEvent): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('usage spool is closed'));
    this.#pending.push(`${JSON.stringify(event)}\n`);
    return new Promise((resolve, reject) => {
      this.#waiters.push({ resolve, reject });
      this.#schedule();
    });
  }

  /** Resolves when everything appended so far is written. */
  async flush(): Promise<void> {
    while (this.#writing !== null || this.#pending.length > 0 || this.#scheduled) {
      if (this.#writing !== null) await this.#writing;
      else await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /** fdatasync now. */
  async sync(): Promise<void> {
    if (this.#syncing !== null) return this.#syncing;
    this.#dirty = false;
    this.#syncing = this.#handle.datasync().finally(() => {
      this.#syncing = null;
    });
    return this.#syncing;
  }

  async close(): Promise<void> {
    await this.flush();
    this.#closed = true;
    clearInterval(this.#fsyncTimer);
    await this.#syncing;
    await this.#handle.datasync();
    await this.#handle.close();
  }

  #schedule(): void {
    if (this.#scheduled || this.#writing !== null) return;
    this.#scheduled = true;
    // Everything appended during this turn of the event loop joins the same write.
    setImmediate(() => {
      this.#scheduled = false;
      this.#writing = this.#writeBatch().finally(() => {
        this.#writing = null;
        if (this.#pending.length > 0) this.#schedule();
      });
    });
  }

  async #writeBatch(): Promise<void> {
    const lines = this.#pending.splice(0);
    const waiters = this.#waiters.splice(0);
    try {
      if (this.#size >= this.#segmentMaxBytes) await this.#rotate();
      const bytes = Buffer.from(lines.join(''));
      let written = 0;
      while (written < bytes.length) {
        const result = await this.#handle.write(bytes, written, bytes.length - written);
        written += result.bytesWritten;
      }
      this.#size += bytes.length;
      this.#dirty = true;
      for (const waiter of waiters) waiter.resolve();
    } catch (error) {
      for (const waiter of waiters) waiter.reject(error);
    }
  }

  async #rotate(): Promise<void> {
    this.#dirty = false; // the fsync timer must not touch the handle being closed
    await this.#syncing;
    await this.#handle.datasync();
    await this.#handle.close();
    this.#segment += 1;
    this.#handle = await open(join(this.directory, segmentFileName(this.#segment)), 'a');
    this.#size = 0;
  }
}
