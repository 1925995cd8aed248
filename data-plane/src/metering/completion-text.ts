// The generated text of one response (content, reasoning, tool-call arguments), kept only so its tokens
// can be counted when the upstream reports no usage. Appending is cheap (a copy into a list; JSON
// strings are unescaped only when counted); nothing is tokenized unless `estimateTokens()` is called.
// Memory is bounded: past RETAINED_BYTES only the byte count grows, and the estimate scales the tokens
// of the retained text by the bytes seen.
import { countTokens } from './count-tokens.ts';

const RETAINED_BYTES = 1 << 20;

export class CompletionText {
  #parts: Array<string | Buffer> = [];
  #retainedBytes = 0;
  #totalBytes = 0;

  /** Bytes of generated text seen (UTF-8; JSON-escaped for `appendJsonString`). */
  get bytes(): number {
    return this.#totalBytes;
  }

  append(text: string): void {
    if (text.length === 0) return;
    const bytes = Buffer.byteLength(text);
    this.#totalBytes += bytes;
    if (this.#retainedBytes + bytes > RETAINED_BYTES) return;
    this.#retainedBytes += bytes;
    this.#parts.push(text);
  }

  /** The body of a JSON string literal, still escaped (between the quotes), as found in a wire buffer. */
  appendJsonString(buffer: Buffer, start: number, end: number): void {
    const bytes = end - start;
    if (bytes <= 0) return;
    this.#totalBytes += bytes;
    if (this.#retainedBytes + bytes > RETAINED_BYTES) return;
    this.#retainedBytes += bytes;
    this.#parts.push(Buffer.from(buffer.subarray(start, end)));
  }

  estimateTokens(): number {
    if (this.#totalBytes === 0) return 0;
    // Only parts too large to keep were seen: the usual rule of thumb, about 4 bytes a token.
    if (this.#retainedBytes === 0) return Math.ceil(this.#totalBytes / 4);
    let text = '';
    for (const part of this.#parts) text += typeof part === 'string' ? part : unescapeJsonString(part);
    const tokens = countTokens(text);
    if (this.#retainedBytes === this.#totalBytes) return tokens;
    return Math.ceil((tokens * this.#totalBytes) / this.#retainedBytes);
  }
}

function unescapeJsonString(escaped: Buffer): string {
  const raw = escaped.toString('utf8');
  if (!raw.includes('\\')) return raw;
  try {
    return JSON.parse(`"${raw}"`) as string;
  } catch {
    return raw; // a string cut inside an escape: its characters still count
  }
}
