// Ships spooled usage events to the control plane (dataPlane.ingestUsage), in order, in batches.
// A persisted cursor (segment, byte offset) advances only after the control plane accepted a batch;
// the ingest is idempotent by requestId, so a crash between the two re-sends a batch at worst. Fully
// shipped segments are deleted. While the control plane is down the shipper backs off exponentially.
import { open, rename, rm, writeFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { usageEventSchema, type UsageEvent } from '../../../shared/src/usage-event.ts';
import { listSegments, segmentFileName } from './usage-spool.ts';

export interface SpoolCursor {
  segment: number;
  offset: number;
}

export interface UsageShipperOptions {
  directory: string;
  /** The segment the spool still appends to (never deleted). */
  activeSegment(): number;
  send(events: UsageEvent[]): Promise<unknown>;
  batchSize: number;
  intervalMs: number;
  log: (line: string) => void;
  maxBackoffMs?: number;
}

const CURSOR_FILE = 'cursor.json';
const READ_WINDOW_BYTES = 1024 * 1024;

export async function loadCursor(directory: string): Promise<SpoolCursor> {
  try {
    const parsed = JSON.parse(await readFile(join(directory, CURSOR_FILE), 'utf8')) as Partial<SpoolCursor>;
    if (Number.isSafeInteger(parsed.segment) && Number.isSafeInteger(parsed.offset)) {
      return { segment: parsed.segment as number, offset: parsed.offset as number };
    }
  } catch {
    // no cursor yet (or unreadable): start from the oldest segment
  }
  return { segment: 0, offset: 0 };
}

export async function saveCursor(directory: string, cursor: SpoolCursor): Promise<void> {
  const temporary = join(directory, `${CURSOR_FILE}.tmp`);
  await writeFile(temporary, JSON.stringify(cursor));
  await rename(temporary, join(directory, CURSOR_FILE));
}

/**
 * Up to `maxEvents` complete lines of `segment` from `offset`. Returns the events (invalid lines are
 * reported and skipped) and the byte offset after the last complete line read.
 */
export async function readSpoolBatch(
  path: string,
  offset: number,
  maxEvents: number,
  onInvalid: (line: string) => void = () => {},
): Promise<{ events: UsageEvent[]; nextOffset: number }> {
  const handle = await open(path, 'r');
  try {
    let window = READ_WINDOW_BYTES;
    for (;;) {
      const buffer = Buffer.allocUnsafe(window);
      const { bytesRead } = await handle.read(buffer, 0, window, offset);
      const data = buffer.subarray(0, bytesRead);
      const events: UsageEvent[] = [];
      let position = 0;
      while (events.length < maxEvents) {
        const newline = data.indexOf(0x0a, position);
        if (newline === -1) break;
        const line = data.toString('utf8', position, newline);
        position = newline + 1;
        if (line.trim() === '') continue;
        let parsed: unknown;
        try {
          parsed = JSON.parse(line);
        } catch {
          onInvalid(line);
          continue;
        }
        const checked = usageEventSchema.safeParse(parsed);
        if (checked.success) events.push(checked.data);
        else onInvalid(line);
      }
      // A single line longer than the window: read a bigger window.
      if (position === 0 && bytesRead === window) {
        window *= 2;
        continue;
      }
      return { events, nextOffset: offset + position };
    }
  } finally {
    await handle.close();
  }
}

export class UsageShipper {
  #options: UsageShipperOptions;
  #cursor: SpoolCursor = { segment: 0, offset: 0 };
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> = Promise.resolve();
  #failures = 0;
  #stopped = false;

  constructor(options: UsageShipperOptions) {
    this.#options = options;
  }

  #loaded: Promise<void> | null = null;

  /** Loads the persisted cursor and starts shipping on the interval. */
  async start(): Promise<void> {
    await this.#load();
    this.#schedule(0);
  }

  #load(): Promise<void> {
    this.#loaded ??= loadCursor(this.#options.directory).then((cursor) => {
      this.#cursor = cursor;
    });
    return this.#loaded;
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  /** Ships everything on disk now; rejects when the control plane refuses or is unreachable. */
  async shipNow(): Promise<number> {
    await this.#load();
    return this.#exclusive(() => this.#shipAll());
  }

  #exclusive<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#running.then(task);
    this.#running = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#exclusive(() => this.#shipAll()).then(
        () => {
          this.#failures = 0;
          this.#schedule(this.#options.intervalMs);
        },
        (error: unknown) => {
          this.#failures += 1;
          const backoff = Math.min(this.#options.maxBackoffMs ?? 30_000, 250 * 2 ** Math.min(this.#failures, 10));
          const delay = Math.max(this.#options.intervalMs, Math.round(backoff * (0.5 + Math.random() / 2)));
          if (this.#failures === 1 || this.#failures % 10 === 0) {
            this.#options.log(`usage shipping failed (${this.#failures}x), retrying in ${delay} ms: ${String(error)}`);
          }
          this.#schedule(delay);
        },
      );
    }, delayMs);
    this.#timer.unref();
  }

  /** Ships until caught up with the spool. Returns the number of events sent. */
  async #shipAll(): Promise<number> {
    const { directory, batchSize, log } = this.#options;
    let shipped = 0;
    for (;;) {
      const segments = (await listSegments(directory)).filter((segment) => segment >= this.#cursor.segment);
      const segment = segments[0];
      if (segment === undefined) return shipped;
      if (segment !== this.#cursor.segment) this.#cursor = { segment, offset: 0 };
      const path = join(directory, segmentFileName(segment));
      const { events, nextOffset } = await readSpoolBatch(path, this.#cursor.offset, batchSize, (line) =>
        log(`usage spool: skipping an invalid line in ${path}: ${line.slice(0, 200)}`),
      );
      if (events.length > 0) {
        await this.#options.send(events);
        shipped += events.length;
      }
      if (nextOffset !== this.#cursor.offset) {
        this.#cursor = { segment, offset: nextOffset };
        await saveCursor(directory, this.#cursor);
        continue;
      }
      // Nothing more in this segment. A segment below the active one is complete: delete it, move on.
      if (segment < this.#options.activeSegment()) {
        await rm(path, { force: true });
        this.#cursor = { segment: segment + 1, offset: 0 };
        await saveCursor(directory, this.#cursor);
        continue;
      }
      return shipped;
    }
  }
}
