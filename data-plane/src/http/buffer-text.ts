// Bytes → string through Node's own decoders (Buffer.prototype.latin1Slice and utf8Slice), held once and
// called with `.call`. Why not `buffer.toString(encoding, start, end)`: in code V8 11 optimised off the
// main thread (Node 20's default) a named property load on a Buffer or typed array is a generic LoadIC
// call, and toString makes three (`toString`, then Node's `this.length` and `buf.latin1Slice` inside it)
// besides checking its arguments and looking the encoding up on every call (docs/architecture.md, Where
// the time goes). The same strings; `start` and `end` must lie within the bytes (as every caller's do).
type Slice = (this: Uint8Array, start: number, end: number) => string;
const decoders = Buffer.prototype as unknown as { latin1Slice: Slice; utf8Slice: Slice };
const latin1Slice = decoders.latin1Slice;
const utf8Slice = decoders.utf8Slice;

/** `bytes.toString('latin1', start, end)`. */
export function latin1Text(bytes: Uint8Array, start: number, end: number): string {
  return latin1Slice.call(bytes, start, end);
}

/** `bytes.toString('utf8', start, end)`. */
export function utf8Text(bytes: Uint8Array, start: number, end: number): string {
  return utf8Slice.call(bytes, start, end);
}
