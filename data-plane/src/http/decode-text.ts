// Bytes → string for JSON.parse. Most request and answer bodies are pure ASCII (JSON escapes what is
// not), and for those a Latin-1 decode is a copy into a one-byte string, several times cheaper than the
// UTF-8 decoder on a long prompt; the ASCII check is a native SIMD scan. Anything else decodes as UTF-8.
import { isAscii } from 'node:buffer';

export function decodeText(bytes: Uint8Array): string {
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return buffer.toString(isAscii(buffer) ? 'latin1' : 'utf8');
}
