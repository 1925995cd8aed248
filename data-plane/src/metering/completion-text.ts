// The generated text of one response (content, reasoning, tool-call arguments), kept only so its tokens
// can be counted when the upstream reports no usage. Appending copies the still-escaped JSON string
// bodies into one growing buffer (escaped bodies concatenate into one valid escaped body); nothing is
// unescaped or tokenized unless `estimateTokens()` is called. Memory is bounded: past RETAINED_BYTES
// only the byte count grows, and the estimate scales the tokens of the retained text by the bytes seen.
import { countTokens } from './count-tokens.ts';

const RETAINED_BYTES = 256 * 1024;
const INITIAL_BYTES = 1024;

export class CompletionText {
  #retained: Buffer | null = null;
  #retainedBytes = 0;
  #totalBytes = 0;
  /** What runningTokens() has counted so far: a prefix of the retained text, and its tokens. */
  #countedBytes = 0;
  #countedTokens = 0;

  /** Bytes of generated text seen, JSON-escaped as on the wire. */
  get bytes(): number {
    return this.#totalBytes;
  }

  /** The body of a JSON string literal, still escaped (between the quotes), as found in a wire buffer. */
  appendJsonString(buffer: Buffer, start: number, end: number): void {
    const bytes = end - start;
    if (bytes <= 0) return;
    this.#totalBytes += bytes;
    if (this.#retainedBytes + bytes > RETAINED_BYTES) return;
    const needed = this.#retainedBytes + bytes;
    if (this.#retained === null || this.#retained.length < needed) {
      const grown = Buffer.allocUnsafe(Math.min(RETAINED_BYTES, Math.max(INITIAL_BYTES, needed * 2)));
      this.#retained?.copy(grown, 0, 0, this.#retainedBytes);
      this.#retained = grown;
    }
    buffer.copy(this.#retained, this.#retainedBytes, start, end);
    this.#retainedBytes = needed;
  }

  estimateTokens(): number {
    if (this.#totalBytes === 0) return 0;
    // Only parts too large to keep were seen: the usual rule of thumb, about 4 bytes a token.
    if (this.#retained === null) return Math.ceil(this.#totalBytes / 4);
    const tokens = countTokens(unescapeJsonString(this.#retained.toString('utf8', 0, this.#retainedBytes)));
    if (this.#retainedBytes === this.#totalBytes) return tokens;
    return Math.ceil((tokens * this.#totalBytes) / this.#retainedBytes);
  }

  /**
   * The tokens generated so far, for a stream's cost ceiling (stream-cost-ceiling.ts): only the text
   * appended since the last call is tokenized, so calling it as a stream grows costs each byte once. The
   * count is a sum of parts, a token or so above counting the whole. Parts end where appended string
   * bodies end, so every escape is whole.
   */
  runningTokens(): number {
    if (this.#retained !== null && this.#countedBytes < this.#retainedBytes) {
      this.#countedTokens += countTokens(unescapeJsonString(this.#retained.toString('utf8', this.#countedBytes, this.#retainedBytes)));
      this.#countedBytes = this.#retainedBytes;
    }
    if (this.#countedBytes === 0) return Math.ceil(this.#totalBytes / 4);
    if (this.#countedBytes === this.#totalBytes) return this.#countedTokens;
    return Math.ceil((this.#countedTokens * this.#totalBytes) / this.#countedBytes);
  }
}

function unescapeJsonString(escaped: string): string {
  if (!escaped.includes('\\')) return escaped;
  try {
    return JSON.parse(`"${escaped}"`) as string;
  } catch {
    return escaped; // not valid JSON escapes after all: its characters still count
  }
}
