// Where an upstream's first whole SSE event ends (a blank line, `\n\n` or `\r\n\r\n`), watched chunk by
// chunk as they arrive: the end may straddle two chunks, so the last three bytes seen are kept. Used by
// readFirstEvent's replaying reader and by StreamedAnswer.firstEvent, which must agree on it.
const LF_LF = Buffer.from('\n\n');
const CRLF_CRLF = Buffer.from('\r\n\r\n');

export class SseEventEndWatch {
  /** The last three bytes seen before the chunk being looked at. */
  #tail: Buffer | null = null;

  /** Whether an event ends in `chunk`, or across the bytes seen before it and it. */
  sees(chunk: Buffer): boolean {
    if (chunk.indexOf(LF_LF) !== -1 || chunk.indexOf(CRLF_CRLF) !== -1) return this.#done();
    const joined = this.#tail === null ? chunk : Buffer.concat([this.#tail, chunk]);
    if (this.#tail !== null) {
      const seam = joined.subarray(0, Math.min(joined.length, this.#tail.length + 3));
      if (seam.indexOf(LF_LF) !== -1 || seam.indexOf(CRLF_CRLF) !== -1) return this.#done();
    }
    this.#tail = Buffer.from(joined.subarray(Math.max(0, joined.length - 3)));
    return false;
  }

  #done(): true {
    this.#tail = null;
    return true;
  }
}
