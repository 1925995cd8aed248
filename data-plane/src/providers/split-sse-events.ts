// SSE framing, written once: cuts a byte stream into whole events (each slice keeps its own bytes,
// blank-line terminator included, so relaying the slices reproduces the stream exactly). Accepts
// `\n\n`, `\r\n\r\n` and mixes. Nothing is decoded or copied except a partial event carried over.
const LF = 0x0a;
const CR = 0x0d;

export class SseEventSplitter {
  #pending: Buffer | null = null;
  /** Where to resume scanning in `#pending` (its bytes before this hold no boundary). */
  #scanFrom = 0;
  /** Start of the current line inside `#pending`. */
  #lineStart = 0;

  /** Whole events completed by `chunk`, in order. */
  push(chunk: Buffer): Buffer[] {
    const buffer = this.#pending === null ? chunk : Buffer.concat([this.#pending, chunk]);
    const events: Buffer[] = [];
    let eventStart = 0;
    let lineStart = this.#pending === null ? 0 : this.#lineStart;
    let position = this.#pending === null ? 0 : this.#scanFrom;
    for (;;) {
      const newline = buffer.indexOf(LF, position);
      if (newline === -1) break;
      const lineLength = newline - lineStart;
      if (lineLength === 0 || (lineLength === 1 && buffer[lineStart] === CR)) {
        // A blank line ends the event (a stray blank line becomes an event of its own, relayed as is).
        events.push(buffer.subarray(eventStart, newline + 1));
        eventStart = newline + 1;
      }
      lineStart = newline + 1;
      position = newline + 1;
    }
    if (eventStart === buffer.length) {
      this.#pending = null;
    } else {
      this.#pending = buffer.subarray(eventStart);
      this.#lineStart = lineStart - eventStart;
      this.#scanFrom = this.#lineStart;
    }
    return events;
  }

  /** Bytes of an unfinished event at the end of the stream (empty when the stream ended cleanly). */
  rest(): Buffer | null {
    return this.#pending;
  }
}
