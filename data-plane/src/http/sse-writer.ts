// Relays an event stream to the client: status and headers go out with the first bytes; `write`
// reports backpressure so the caller stops pulling from the upstream until `writable()` resolves.
// The head is one writeStatus of the whole text (response-head.ts), as for complete answers, rather
// than a writeStatus and a writeHeader per header: the same bytes, one native call on the first byte's path.
import type { HttpResponse } from 'uWebSockets.js';
import type { ClientResponse } from './client-response.ts';
import { responseHead } from './response-head.ts';

/** The fixed headers of every event stream, after `x-request-id` (responseHead). */
const SSE_HEADERS = '\r\ncontent-type: text/event-stream\r\ncache-control: no-cache';
const NO_EVENTS: readonly Uint8Array[] = [];

export class SseWriter {
  #response: ClientResponse;
  #headers: Record<string, string> | null;
  #started = false;
  /** Events kept to go out with the final bytes (hold). */
  #held: Uint8Array[] | null = null;
  /** What the corked write in progress writes, and whether uWS took it all (no closure per write). */
  #events: readonly Uint8Array[] = NO_EVENTS;
  #ok = true;
  /** Writes #events, corked (write). */
  readonly #writeCorked: (native: HttpResponse) => void;

  /** `headers` go out with the status line, after the fixed ones. */
  constructor(response: ClientResponse, headers: Record<string, string> | null = null) {
    this.#response = response;
    this.#headers = headers;
    // Made here, not as a field's initialiser, which tsx (esbuild's keepNames) names with an
    // Object.defineProperty on every writer: one a stream.
    this.#writeCorked = (native: HttpResponse): void => {
      if (!this.#started) this.#writeHead(native);
      if (this.#held !== null) this.#writeHeld(native);
      let ok = true;
      for (const event of this.#events) ok = native.write(event);
      this.#ok = ok;
    };
  }

  /** True once the status line and the first bytes went to the client. */
  get started(): boolean {
    return this.#started;
  }

  get closed(): boolean {
    return this.#response.closed;
  }

  /** Writes the events (as given, byte for byte, after any held) corked together; false when uWS added backpressure. */
  write(events: readonly Uint8Array[]): boolean {
    this.#events = events;
    this.#ok = true;
    this.#response.cork(this.#writeCorked);
    this.#events = NO_EVENTS;
    return this.#ok;
  }

  /**
   * Keeps the events of a stream's last read to go out with its final bytes, which wait for the usage
   * event anyway: one `send` for both rather than two. Only once started: the first byte never waits.
   */
  hold(events: readonly Uint8Array[]): void {
    (this.#held ??= []).push(...events);
  }

  writable(): Promise<void> {
    return this.#response.writable();
  }

  /** Ends the stream with its final bytes (`data: [DONE]`, an error frame, or nothing). */
  end(finalBytes: string | Uint8Array | null): void {
    this.#response.cork((native) => {
      if (!this.#started) this.#writeHead(native);
      if (this.#held !== null) this.#writeHeld(native);
      native.end(finalBytes ?? undefined);
      return true;
    });
  }

  #writeHeld(native: HttpResponse): void {
    for (const event of this.#held as Uint8Array[]) native.write(event);
    this.#held = null;
  }

  /** A header whose value holds CR, LF or NUL is left out (responseHead). */
  #writeHead(native: HttpResponse): void {
    this.#started = true;
    this.#response.status = 200;
    native.writeStatus(responseHead(200, this.#response.requestId, SSE_HEADERS, this.#headers));
  }
}
