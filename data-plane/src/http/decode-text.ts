// Bytes → string for JSON.parse. Most request and answer bodies are pure ASCII (JSON escapes what is
// not), and for those a Latin-1 decode is a copy into a one-byte string, several times cheaper than the
// UTF-8 decoder on a long prompt; the ASCII check is a native SIMD scan. Anything else decodes as UTF-8.
import { isAscii } from 'node:buffer';
import { latin1Text, utf8Text } from './buffer-text.ts';

/** A body's text, and its bytes when they are ASCII: an index into the text is then a byte offset. */
export interface DecodedBody {
  text: string;
  asciiBytes: Buffer | null;
}

/** The same bytes as a Buffer (a view, not a copy). */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function decodeBody(bytes: Uint8Array): DecodedBody {
  const buffer = asBuffer(bytes);
  const length = buffer.length;
  return isAscii(buffer) ? { text: latin1Text(buffer, 0, length), asciiBytes: buffer } : { text: utf8Text(buffer, 0, length), asciiBytes: null };
}

export function decodeText(bytes: Uint8Array): string {
  return decodeBody(bytes).text;
}
