// Ships spooled usage events to the control plane (dataPlane.ingestUsage), in order, in batches.
// A persisted cursor (segment, byte offset) advances only after the control plane accepted a batch;
// the ingest is idempotent by requestId, so a crash between the two re-sends a batch at worst. Fully
// shipped segments are deleted. A damaged record is copied to the quarantine folder and passed over,
// so it cannot hold the rest back. While the control plane is down the shipper backs off (capped
// exponential, with jitter so a fleet of data planes does not return in lockstep) and resumes. A batch
// the control plane refuses as malformed is split until the refused events stand alone; those are
// quarantined too, so no one record can stop a data plane's billing (issue 13, defect 2). An event is
// sent as the JSON text its record holds, spliced into the request body (control-plane-channel.ts):
// serialising a batch again cost the data plane more CPU than the rest of its shipping (issue 19).
//
// A stream writes a provisional record as it starts (its worst case, stream_interrupted) and its final
// record as it ends, with the same request id. Provisional records are not sent: the shipper remembers
// each until its final one is read, and the cursor file keeps where the oldest still waiting lies
// (`openFrom`), below which no segment is deleted. A process killed mid-stream (SIGKILL) leaves a
// provisional record without a final one: the next process finds it from `openFrom` before it serves
// (closeInterruptedStreams) and appends it as final, so a partial stream is billed once, at its worst case.
import { open, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { MAX_USAGE_EVENTS_PER_INGEST, UsageBatchRefusedError, type UsageEvent } from '../../../shared/src/usage-event.ts';
import { quarantineSpoolBytes } from './quarantine-spool-bytes.ts';
import type { RecentUsageEvents } from './recent-usage-events.ts';
import { loadSpoolPosition, saveCursor, type SpoolCursor } from './spool-cursor.ts';
import { decodeSpoolRecord, spoolRecordOfJson } from './spool-record.ts';
import { listSegments, segmentFileName } from './usage-spool.ts';

export interface UsageShipperOptions {
  directory: string;
  /** The segment the spool still appends to (never deleted). */
  activeSegment(): number;
  /** The events' request ids and each one's JSON text (UTF-8), what the request body splices. */
  send(requestIds: string[], json: Buffer[]): Promise<unknown>;
  batchSize: number;
  intervalMs: number;
  log: (line: string) => void;
  /** Longest wait between attempts while the control plane is down; default 30 s. */
  maxBackoffMs?: number;
  /** Backoff jitter; injectable for tests. */
  random?: () => number;
  /** The events the spool wrote last (its onWritten); shipped from memory instead of read back. */
  recent?: RecentUsageEvents;
}

const DEFAULT_MAX_BACKOFF_MS = 30_000;

const READ_WINDOW_BYTES = 1024 * 1024;

/** A record that did not decode, where it was found. */
export interface DamagedRecord {
  offset: number;
  bytes: Buffer;
  reason: string;
}

/** What the shipper needs of a run of records: no event objects (recent-usage-events.ts holds records as bytes). */
export interface SpoolBatch {
  /** The final records' request ids: what is shipped. */
  requestIds: string[];
  /** Each final event's JSON text: the record's own bytes when it was written by this process, else the event serialised. */
  json: Buffer[];
  /** Where each final event's record starts in the segment. */
  offsets: number[];
  /** The provisional records (streams' stand-ins), in order. */
  provisional: { requestId: string; offset: number }[];
  /** The byte offset after the last complete line read. */
  nextOffset: number;
  damaged: DamagedRecord[];
}

/** A batch read back from a segment, with its records decoded. */
export interface DecodedSpoolBatch extends SpoolBatch {
  events: UsageEvent[];
  provisionalEvents: UsageEvent[];
}

/** Up to `maxEvents` records of a segment from `offset`, complete lines only. */
export async function readSpoolBatch(path: string, offset: number, maxEvents: number): Promise<DecodedSpoolBatch> {
  const handle = await open(path, 'r');
  try {
    let window = READ_WINDOW_BYTES;
    for (;;) {
      const buffer = Buffer.allocUnsafe(window);
      const { bytesRead } = await handle.read(buffer, 0, window, offset);
      const data = buffer.subarray(0, bytesRead);
      const events: UsageEvent[] = [];
      const json: Buffer[] = [];
      const offsets: number[] = [];
      const provisionalEvents: UsageEvent[] = [];
      const provisional: SpoolBatch['provisional'] = [];
      const damaged: DamagedRecord[] = [];
      let position = 0;
      while (events.length + provisional.length < maxEvents) {
        const newline = data.indexOf(0x0a, position);
        if (newline === -1) break;
        const line = data.toString('utf8', position, newline);
        if (line.trim() !== '') {
          const decoded = decodeSpoolRecord(line);
          if (decoded.ok && decoded.provisional) {
            provisionalEvents.push(decoded.event);
            provisional.push({ requestId: decoded.event.requestId, offset: offset + position });
          } else if (decoded.ok) {
            events.push(decoded.event);
            // Serialised again: a record written before events were bounded was bounded as it was decoded.
            json.push(Buffer.from(JSON.stringify(decoded.event)));
            offsets.push(offset + position);
          } else damaged.push({ offset: offset + position, bytes: Buffer.from(data.subarray(position, newline + 1)), reason: decoded.reason });
        }
        position = newline + 1;
      }
      // A single line longer than the window: read a bigger window.
      if (position === 0 && bytesRead === window) {
        window *= 2;
        continue;
      }
      const requestIds = events.map((event) => event.requestId);
      return { requestIds, events, json, offsets, provisionalEvents, provisional, nextOffset: offset + position, damaged };
    }
  } finally {
    await handle.close();
  }
}

/** The wait after `failures` failed attempts in a row: doubling from 250 ms up to the cap, then jittered into its upper half. */
export function shippingBackoffMs(failures: number, options: { intervalMs: number; maxBackoffMs: number; random: () => number }): number {
  const backoff = Math.min(options.maxBackoffMs, 250 * 2 ** Math.min(failures, 16));
  return Math.max(options.intervalMs, Math.round(backoff * (0.5 + options.random() / 2)));
}

export class UsageShipper {
  #options: UsageShipperOptions;
  #cursor: SpoolCursor = { segment: 0, offset: 0 };
  /** Provisional records read whose final record has not been: request id → where the record lies. */
  #open = new Map<string, SpoolCursor>();
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> = Promise.resolve();
  #failures = 0;
  #failuresTotal = 0;
  #stopped = false;

  constructor(options: UsageShipperOptions) {
    // A batch the control plane refuses by its size would be re-sent forever, holding up all usage.
    if (!Number.isInteger(options.batchSize) || options.batchSize < 1 || options.batchSize > MAX_USAGE_EVENTS_PER_INGEST) {
      throw new Error(`the usage batch size must be a whole number from 1 to ${MAX_USAGE_EVENTS_PER_INGEST} (got ${options.batchSize})`);
    }
    this.#options = options;
  }

  #loaded: Promise<void> | null = null;

  /** Loads the persisted cursor and starts shipping on the interval. */
  async start(): Promise<void> {
    await this.#load();
    this.#schedule(0);
  }

  #load(): Promise<void> {
    // Provisional records before the cursor are not read again: closeInterruptedStreams gave each left
    // waiting by the last process its final record before this one started.
    this.#loaded ??= loadSpoolPosition(this.#options.directory).then(({ cursor }) => {
      this.#cursor = cursor;
      this.#saved = cursor;
      this.#savedSegment = cursor.segment;
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

  /** Failed shipments since start (metrics). */
  get failuresTotal(): number {
    return this.#failuresTotal;
  }

  /** What is spooled and not shipped yet: segments, bytes, and the age of the oldest event (metrics, read at scrape). */
  async backlog(): Promise<{ segments: number; bytes: number; oldestEventAgeMs: number | null }> {
    const cursor = this.#cursor;
    const segments = (await listSegments(this.#options.directory)).filter((segment) => segment >= cursor.segment);
    let bytes = 0;
    let oldestEventAgeMs: number | null = null;
    for (const segment of segments) {
      const path = join(this.#options.directory, segmentFileName(segment));
      const size = await stat(path).then(
        (stats) => stats.size,
        () => 0,
      );
      const from = segment === cursor.segment ? cursor.offset : 0;
      if (size > from && oldestEventAgeMs === null) {
        const first = (await readSpoolBatch(path, from, 1).catch(() => null))?.events[0];
        if (first !== undefined) oldestEventAgeMs = Math.max(0, Date.now() - Date.parse(first.finishedAt));
      }
      bytes += Math.max(0, size - from);
    }
    return { segments: bytes === 0 ? 0 : segments.length, bytes, oldestEventAgeMs };
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
          this.#failuresTotal += 1;
          const delay = shippingBackoffMs(this.#failures, {
            intervalMs: this.#options.intervalMs,
            maxBackoffMs: this.#options.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS,
            random: this.#options.random ?? Math.random,
          });
          if (this.#failures === 1 || this.#failures % 10 === 0) {
            this.#options.log(`usage shipping failed (${this.#failures}x), retrying in ${delay} ms: ${String(error)}`);
          }
          this.#schedule(delay);
        },
      );
    }, delayMs);
    this.#timer.unref();
  }

  /**
   * Saves the cursor (and where the oldest provisional record still waiting lies) once a round, not once a
   * batch: a saved cursor is a file write and a rename, and a loaded data plane ships a dozen batches a
   * second. The rename is what the cursor's durability needs (a reader sees the old position or the new,
   * never a torn one); a save fewer only means a crash re-sends more, which the idempotent ingest absorbs.
   * Segments are deleted only below what was saved.
   */
  async #save(): Promise<void> {
    if (this.#saved === this.#cursor) return;
    const cursor = this.#cursor;
    let openFrom: SpoolCursor | null = null;
    for (const position of this.#open.values()) if (openFrom === null || before(position, openFrom)) openFrom = position;
    try {
      await saveCursor(this.#options.directory, cursor, openFrom);
    } catch (error) {
      // The round's batches are sent again, as a restart would: the saved cursor is where they start.
      this.#cursor = this.#saved ?? { segment: 0, offset: 0 };
      throw error;
    }
    this.#saved = cursor;
    this.#savedSegment = cursor.segment;
    this.#openFromSegment = openFrom?.segment ?? null;
  }

  /** The cursor as last saved (the object, compared by identity), and its segment. */
  #saved: SpoolCursor | null = null;
  #savedSegment = 0;
  /** Every segment below this one is deleted: a round with nothing new to delete does not list the directory. */
  #deletedBelow = 0;

  /** The segment of the oldest provisional record still waiting, as saved: it and later ones are kept. */
  #openFromSegment: number | null = null;

  /** Sends events; a refused batch is split in halves until each refused event is alone, and that one is quarantined. */
  async #send(requestIds: string[], json: Buffer[], offsets: number[], segment: number, path: string): Promise<void> {
    try {
      await this.#options.send(requestIds, json);
    } catch (error) {
      if (!(error instanceof UsageBatchRefusedError)) throw error;
      if (requestIds.length === 1) {
        const copy = await quarantineSpoolBytes(this.#options.directory, segment, offsets[0]!, spoolRecordOfJson(json[0]!));
        this.#options.log(`usage shipping: passing over the usage event at byte ${offsets[0]} of ${path} (${error.message}); copied to ${copy}`);
        return;
      }
      const half = Math.ceil(requestIds.length / 2);
      await this.#send(requestIds.slice(0, half), json.slice(0, half), offsets.slice(0, half), segment, path);
      await this.#send(requestIds.slice(half), json.slice(half), offsets.slice(half), segment, path);
    }
  }

  /** Deletes the segments below both the saved cursor and the oldest provisional record still waiting. */
  async #deleteShippedSegments(): Promise<void> {
    const below = Math.min(this.#savedSegment, this.#openFromSegment ?? Number.POSITIVE_INFINITY);
    // The spool makes segments above the active one only: none appears below what was deleted.
    if (below <= this.#deletedBelow) return;
    for (const segment of await listSegments(this.#options.directory)) {
      if (segment >= below) break;
      await rm(join(this.#options.directory, segmentFileName(segment)), { force: true });
    }
    this.#deletedBelow = below;
  }

  /** Ships until caught up with the spool. Returns the number of events sent. */
  async #shipAll(): Promise<number> {
    const { directory, batchSize, log } = this.#options;
    let shipped = 0;
    /** The cursor's segment is known to exist (a batch of it was just read): no listing. */
    let inSegment = false;
    for (;;) {
      let segment = this.#cursor.segment;
      if (!inSegment) {
        const first = (await listSegments(directory)).find((listed) => listed >= this.#cursor.segment);
        if (first === undefined) {
          await this.#save();
          return shipped;
        }
        segment = first;
        if (segment !== this.#cursor.segment) this.#cursor = { segment, offset: 0 };
      }
      inSegment = false;
      const path = join(directory, segmentFileName(segment));
      const fromMemory = this.#options.recent?.take(segment, this.#cursor.offset, batchSize) ?? null;
      const { requestIds, json, offsets, provisional, nextOffset, damaged } = fromMemory ?? (await readSpoolBatch(path, this.#cursor.offset, batchSize));
      for (const record of provisional) this.#open.set(record.requestId, { segment, offset: record.offset });
      for (const record of damaged) {
        const copy = await quarantineSpoolBytes(directory, segment, record.offset, record.bytes);
        log(`usage spool: passing over a damaged record (${record.reason}) at byte ${record.offset} of ${path}; copied to ${copy}`);
      }
      if (requestIds.length > 0) {
        await this.#send(requestIds, json, offsets, segment, path);
        shipped += requestIds.length;
        if (this.#open.size > 0) for (const requestId of requestIds) this.#open.delete(requestId);
      }
      // The batch was accepted: the cursor moves on in memory, and is saved by the round's end (#save).
      if (nextOffset !== this.#cursor.offset) {
        this.#cursor = { segment, offset: nextOffset };
        // A short batch of the active segment from memory was everything written when it was taken: what
        // arrived while it was sent waits for the next interval. Going on at once shipped a handful of
        // events per round trip under load, each round with its cursor file write, rename and readdir
        // (about 0.3 ms of CPU, most of it on the thread pool, on the data plane's own CPU).
        if (fromMemory === null || requestIds.length + provisional.length === batchSize || segment !== this.#options.activeSegment()) {
          inSegment = true;
          continue;
        }
        await this.#save();
        await this.#deleteShippedSegments();
        return shipped;
      }
      // Nothing more in this segment. A segment below the active one is complete: move on, and delete
      // it unless a provisional record in it may still be needed.
      if (segment < this.#options.activeSegment()) {
        this.#cursor = { segment: segment + 1, offset: 0 };
        await this.#save();
        await this.#deleteShippedSegments();
        continue;
      }
      await this.#save();
      await this.#deleteShippedSegments();
      return shipped;
    }
  }
}

function before(left: SpoolCursor, right: SpoolCursor): boolean {
  return left.segment < right.segment || (left.segment === right.segment && left.offset < right.offset);
}

/**
 * Before a data plane serves: every provisional record the last process left without its final record
 * (a stream cut by SIGKILL) is appended as final, so it is shipped and billed once. Reads from the
 * oldest provisional record still waiting at the last cursor save (or the cursor) to the end.
 */
export async function closeInterruptedStreams(directory: string, append: (event: UsageEvent) => Promise<void>): Promise<number> {
  const { cursor, openFrom } = await loadSpoolPosition(directory);
  const from = openFrom ?? cursor;
  const waiting = new Map<string, UsageEvent>();
  for (const segment of await listSegments(directory)) {
    if (segment < from.segment) continue;
    const path = join(directory, segmentFileName(segment));
    let offset = segment === from.segment ? from.offset : 0;
    for (;;) {
      const batch = await readSpoolBatch(path, offset, 10_000);
      for (const event of batch.provisionalEvents) waiting.set(event.requestId, event);
      for (const event of batch.events) waiting.delete(event.requestId);
      if (batch.nextOffset === offset) break;
      offset = batch.nextOffset;
    }
  }
  await Promise.all([...waiting.values()].map((event) => append(event)));
  return waiting.size;
}
