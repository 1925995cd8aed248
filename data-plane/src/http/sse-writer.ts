// Relays an event stream to the client: status and headers go out with the first bytes; `write`
// reports backpressure so the caller stops pulling from the upstream until `writable()` resolves.
import type { HttpResponse } from 'uWebSockets.js';
import { STATUS_LINES } from './status-lines.ts';
import type { ClientResponse } from './client-response.ts';

export class SseWriter {
  #response: ClientResponse;
  #headers: Record<string, string> | null;
  #started = false;
  /** Events kept to go out with the final bytes (hold). */
  #held: Uint8Array[] | null = null;

  /** `headers` go out with the status line, after the fixed ones. */
  constructor(response: ClientResponse, headers: Record<string, string> | null = null) {
    this.#response = response;
    this.#headers = headers;
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
    let ok = true;
    this.#response.cork((native) => {
      if (!this.#started) this.#writeHead(native);
      if (this.#held !== null) this.#writeHeld(native);
      for (const event of events) ok = native.write(event);
    });
    return ok;
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

  #writeHead(native: HttpResponse): void {
    this.#started = true;
    this.#response.status = 200;
    native.writeStatus(STATUS_LINES[200] as string);
    native.writeHeader('x-request-id', this.#response.requestId);
    native.writeHeader('content-type', 'text/event-stream');
    native.writeHeader('cache-control', 'no-cache');
    if (this.#headers) for (const name in this.#headers) native.writeHeader(name, this.#headers[name] as string);
  }
}
