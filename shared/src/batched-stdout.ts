// The logger's stdout: lines are collected in memory, as UTF-8 bytes, and handed to sonic-boom
// (asynchronous writes, EAGAIN retries, a broken pipe ending the output) in batches, every
// BATCH_INTERVAL_MS, BATCH_LINES lines or BATCH_BYTES bytes, instead of one write per line. A line comes as
// a string (pino's write) or as bytes written straight into the batch (writeBytes: the data plane's access line). An access-log line per request made that
// write (an fs.write through libuv's thread pool and its callback) about as costly as the rest of the
// line; batched, a busy data plane writes a few dozen times a second. Nothing is lost on a clean exit: flush(cb) (pino's
// logger.flush, awaited by the planes' close) waits until every batch is written, and the 'exit' handler
// writes what is left synchronously (process.exit, an uncaught exception). A SIGKILL loses at most the
// last interval's lines, as it lost the lines still in flight before. One per process: every logger
// writing to stdout shares it.
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import pino, { type DestinationStream } from 'pino';

const BATCH_INTERVAL_MS = 100;
const BATCH_LINES = 256;
/**
 * A batch's bytes. Kept at 64 KiB, as when batches were joined strings, which had to stay below V8's
 * large-object size (128 KiB; a bigger string is allocated on pages of its own, mapped and unmapped each time).
 */
const BATCH_BYTES = 64 * 1024;
/** The most UTF-8 bytes one UTF-16 unit of a string line takes. */
const MAX_BYTES_PER_UNIT = 3;
/** A flush gives up waiting after this (stdout stuck or gone): a shutdown never hangs on its log. */
const FLUSH_TIMEOUT_MS = 2_000;

let shared: BatchedStdout | null = null;

/** Writes a line as bytes into `out` from `at`, no more than the bound it was given with, and returns where it ends. */
export type PutLine = (out: Buffer, at: number) => number;

/** The process's batched stdout, made on first use. */
export function batchedStdout(): BatchedStdout {
  shared ??= new BatchedStdout();
  return shared;
}

class BatchedStdout implements DestinationStream {
  /**
   * The batch, as bytes: each line is encoded (or, writeBytes, written) into it as it comes, and the
   * batch is handed over as it is; a new one takes its place (sonic-boom keeps the old one until written).
   */
  #batch = Buffer.allocUnsafeSlow(BATCH_BYTES);
  /** The bytes in #batch. */
  #length = 0;
  #lines = 0;
  /** Bytes handed to sonic-boom and not yet written (its 'write' events count them down). */
  #unwritten = 0;
  /**
   * In buffer mode: a batch is encoded once, here (Buffer.from), and handed over as bytes. Given a string,
   * sonic-boom measures it again, fs.write encodes it, and its write callback encodes it once more (to
   * slice off what was written): three more passes over every batch.
   */
  readonly #stream = pino.destination({ dest: 1, sync: false, contentMode: 'buffer' });
  readonly #timer = setInterval(() => this.#handOver(), BATCH_INTERVAL_MS).unref();

  constructor() {
    this.#stream.on('write', (bytes: number) => (this.#unwritten -= bytes));
    process.on('exit', () => this.flushSync());
  }

  write(line: string): void {
    const bound = MAX_BYTES_PER_UNIT * line.length;
    if (bound > BATCH_BYTES) {
      // Longer than a batch can surely hold (a long stack): on its own, after the lines before it.
      this.#handOver();
      this.#handOverBytes(Buffer.from(line));
      return;
    }
    if (this.#length + bound > BATCH_BYTES) this.#handOver();
    this.#length += this.#batch.write(line, this.#length);
    if (++this.#lines >= BATCH_LINES) this.#handOver();
  }

  /** A line written as bytes by `put` (at most `bound` of them) straight into the batch: no string made. */
  writeBytes(bound: number, put: PutLine): void {
    if (bound > BATCH_BYTES) {
      this.#handOver();
      const bytes = Buffer.allocUnsafe(bound);
      this.#handOverBytes(bytes.subarray(0, put(bytes, 0)));
      return;
    }
    if (this.#length + bound > BATCH_BYTES) this.#handOver();
    this.#length = put(this.#batch, this.#length);
    if (++this.#lines >= BATCH_LINES) this.#handOver();
  }

  /** Calls back once every line logged so far is written. */
  flush(callback: (error?: Error) => void = () => {}): void {
    this.#handOver();
    if (this.#unwritten <= 0) return callback();
    Promise.race([this.#written(), sleep(FLUSH_TIMEOUT_MS, undefined, { ref: false })]).then(() => callback(), callback);
  }

  flushSync(): void {
    clearInterval(this.#timer);
    this.#handOver();
    try {
      this.#stream.flushSync();
    } catch {
      // stdout is gone (a closed pipe): nothing can be written any more.
    }
  }

  #handOver(): void {
    if (this.#length === 0) return;
    const bytes = this.#batch.subarray(0, this.#length);
    this.#batch = Buffer.allocUnsafeSlow(BATCH_BYTES);
    this.#length = 0;
    this.#lines = 0;
    this.#handOverBytes(bytes);
  }

  #handOverBytes(bytes: Buffer): void {
    this.#unwritten += bytes.length;
    (this.#stream as unknown as { write(bytes: Buffer): boolean }).write(bytes);
  }

  async #written(): Promise<void> {
    while (this.#unwritten > 0) await once(this.#stream, 'write');
  }
}
