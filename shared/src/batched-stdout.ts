// The logger's stdout: lines are collected in memory and handed to sonic-boom (asynchronous writes,
// EAGAIN retries, a broken pipe ending the output) in batches, every BATCH_INTERVAL_MS, BATCH_LINES lines
// or BATCH_CHARS characters, instead of one write per line. An access-log line per request made that
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
 * A batch stays below V8's large-object size (128 KiB): a bigger joined string (256 access lines are
 * ~150 KB) is allocated on pages of its own, mapped and unmapped each time (page faults every batch).
 * Characters, not bytes: a one-byte string's size is its length, a two-byte one's twice it.
 */
const BATCH_CHARS = 64 * 1024;
/** A flush gives up waiting after this (stdout stuck or gone): a shutdown never hangs on its log. */
const FLUSH_TIMEOUT_MS = 2_000;

let shared: BatchedStdout | null = null;

/** The process's batched stdout, made on first use. */
export function batchedStdout(): BatchedStdout {
  shared ??= new BatchedStdout();
  return shared;
}

class BatchedStdout implements DestinationStream {
  #lines: string[] = [];
  /** The characters in #lines. */
  #chars = 0;
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
    if (this.#chars + line.length > BATCH_CHARS) this.#handOver();
    this.#chars += line.length;
    if (this.#lines.push(line) >= BATCH_LINES) this.#handOver();
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
    if (this.#lines.length === 0) return;
    const bytes = Buffer.from(this.#lines.join(''));
    this.#lines = [];
    this.#chars = 0;
    this.#unwritten += bytes.length;
    (this.#stream as unknown as { write(bytes: Buffer): boolean }).write(bytes);
  }

  async #written(): Promise<void> {
    while (this.#unwritten > 0) await once(this.#stream, 'write');
  }
}
