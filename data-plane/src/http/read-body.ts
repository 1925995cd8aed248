// Reads a request body with a hard size cap. A declared content-length is checked before reading and
// preallocated; without one the buffer grows by doubling. Past the cap the read fails with 413
// right away and the rest of the body is never buffered (the 413 response closes the connection).
// A request with several Content-Length headers (contentLengthOf gives null) is refused with 400 unread,
// and like the 413 its answer closes the connection: where its body ends is unknown.
// Must be called synchronously inside the uWS handler, after ClientResponse registered onAborted.
import { GatewayError } from '../../../shared/src/errors.ts';
import { putBytes } from '../../../shared/src/json-bytes.ts';
import type { ClientResponse } from './client-response.ts';

const INITIAL_GROWABLE_BYTES = 16 * 1024;

/** Where a body read by readBodyInto goes: exactly one of the two is called, never synchronously. */
export interface BodyReader {
  /** The whole body. */
  bodyRead(body: Buffer): void;
  /** Refused (413, 400) or the client went away. */
  bodyFailed(error: GatewayError): void;
}

/** The body as a promise (routes that read it with `then`). */
export function readBody(response: ClientResponse, contentLengthHeader: string | null, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => readBodyInto(response, contentLengthHeader, maxBytes, { bodyRead: resolve, bodyFailed: reject }));
}

/**
 * Reads the body into `reader`, without a promise: the front doors' way (create-app.ts), where a promise,
 * its two resolving functions and the await on it were made per request for one hand-over.
 */
export function readBodyInto(response: ClientResponse, contentLengthHeader: string | null, maxBytes: number, reader: BodyReader): void {
  if (contentLengthHeader === null) {
    // Answered on the next turn of the event loop: uWS parses a request pipelined in the same read
    // before then, finds this one unanswered and closes the connection without serving it. Answered
    // at once, the pipelined request would be served before the connection closed.
    response.pauseBody();
    setImmediate(failLater, reader, new GatewayError('invalid_request', 'The request has more than one Content-Length header.'));
    return;
  }
  const declared = contentLengthHeader === '' ? null : Number(contentLengthHeader);
  // Refused after the handler returned (as a rejected promise's reader would be), never inside it.
  if (declared !== null && (!Number.isSafeInteger(declared) || declared < 0)) {
    queueMicrotask(() => reader.bodyFailed(new GatewayError('invalid_request', 'Invalid content-length header.')));
    return;
  }
  if (declared !== null && declared > maxBytes) {
    response.pauseBody();
    queueMicrotask(() => reader.bodyFailed(tooLarge(maxBytes)));
    return;
  }
  const read = new BodyRead(response, declared, maxBytes, reader);
  response.onAbort(read.receive);
  response.onData(read.receive);
}

/** One body being read: what came so far, and the function uWS hands each chunk to. */
class BodyRead {
  /**
   * One function for both: uWS's data callback, and (called without a chunk) the abort listener. Made in
   * the constructor: a named closure in readBodyInto was named by tsx (esbuild's keepNames) as it was
   * made, an Object.defineProperty on every request.
   */
  readonly receive: (chunk?: ArrayBuffer, isLast?: boolean) => void;
  readonly #response: ClientResponse;
  readonly #declared: number | null;
  readonly #maxBytes: number;
  readonly #reader: BodyReader;
  #buffer: Buffer;
  #length = 0;
  #settled = false;

  constructor(response: ClientResponse, declared: number | null, maxBytes: number, reader: BodyReader) {
    this.#response = response;
    this.#declared = declared;
    this.#maxBytes = maxBytes;
    this.#reader = reader;
    this.#buffer = Buffer.allocUnsafe(declared ?? INITIAL_GROWABLE_BYTES);
    this.receive = (chunk?: ArrayBuffer, isLast?: boolean): void => this.#receive(chunk, isLast);
  }

  #receive(chunk: ArrayBuffer | undefined, isLast: boolean | undefined): void {
    if (this.#settled) return;
    const reader = this.#reader;
    if (chunk === undefined) {
      this.#settled = true;
      reader.bodyFailed(new GatewayError('client_closed', 'Client closed the request.'));
      return;
    }
    const bytes = new Uint8Array(chunk);
    const needed = this.#length + bytes.byteLength;
    const declared = this.#declared;
    const maxBytes = this.#maxBytes;
    if (needed > maxBytes || (declared !== null && needed > declared)) {
      this.#settled = true;
      this.#response.pauseBody();
      reader.bodyFailed(
        declared !== null && needed <= maxBytes ? new GatewayError('invalid_request', 'Request body is longer than its content-length.') : tooLarge(maxBytes),
      );
      return;
    }
    let buffer = this.#buffer;
    if (needed > buffer.byteLength) {
      const grown = Buffer.allocUnsafe(Math.min(maxBytes, Math.max(needed, buffer.byteLength * 2)));
      buffer.copy(grown, 0, 0, this.#length);
      this.#buffer = buffer = grown;
    }
    // The chunk's ArrayBuffer is emptied when this callback returns, so copy it now.
    putBytes(buffer, this.#length, bytes);
    this.#length = needed;
    if (isLast === true) {
      this.#settled = true;
      // The buffer itself when the declared length filled it (nearly always): a view is one more Buffer.
      reader.bodyRead(needed === buffer.byteLength ? buffer : buffer.subarray(0, needed));
    }
  }
}

function failLater(reader: BodyReader, error: GatewayError): void {
  reader.bodyFailed(error);
}

/** A module function, not a closure in readBody: tsx names each named closure as it is made (an Object.defineProperty per request). */
function tooLarge(maxBytes: number): GatewayError {
  return new GatewayError('request_too_large', `Request body exceeds the limit of ${maxBytes} bytes.`);
}
