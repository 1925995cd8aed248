// Bytes the feed's worker thread makes for the request loop live in SharedArrayBuffers: posted, they are
// neither copied nor detached, and V8 does not count them as the receiving isolate's external memory. A
// transferred ArrayBuffer is counted: the 30 MB JWS and the state file's 30 MB of JSON of a 100k-key
// swap, transferred, set off "external memory pressure" collections on the request loop (two scavenges
// of 5-8 ms and a mark-compact with a 15 ms pause, bench:swap with --trace-gc).

export const sharedBytes = (length: number) => new Uint8Array(new SharedArrayBuffer(length));
export const sharedUint32 = (length: number) => new Uint32Array(new SharedArrayBuffer(length * Uint32Array.BYTES_PER_ELEMENT));

const encoder = new TextEncoder();

/** `text` as UTF-8 in a buffer of its own, shared. */
export function sharedUtf8(text: string): Uint8Array {
  const bytes = sharedBytes(Buffer.byteLength(text));
  encoder.encodeInto(text, bytes);
  return bytes;
}
