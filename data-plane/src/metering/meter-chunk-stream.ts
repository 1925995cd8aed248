// Wraps an adapter's stream translator (whose output is OpenAI chunk events) for metering, before any
// front door presents it: it keeps the generated text of every chunk (for the token estimate when the
// upstream never reports usage), and adds the cost and timings to the usage chunk the client asked for.
// That chunk is only produced once the upstream's usage arrived, and a cost depends on nothing else, so
// the numbers are final when they are written; the request's usage event is priced the same way.
import { DelegatingStreamTranslator } from '../providers/delegating-stream-translator.ts';
import type { StreamTranslator, UnifiedUsage } from '../providers/provider-adapter.ts';
import type { PushedEventText } from '../providers/pushed-event-text.ts';
import { collectGeneratedText } from './collect-generated-text.ts';
import type { CompletionText } from './completion-text.ts';

/** The fields added to a usage chunk: into its `usage` object, and at the top of the chunk. */
export interface UsageChunkFields {
  usage: Record<string, unknown>;
  chunk: Record<string, unknown>;
}

/** Prices a usage chunk as it is written (the request's meter, request-meter.ts). */
export interface UsageChunkPricer {
  usageChunkFields(usage: UnifiedUsage): UsageChunkFields;
}

const USAGE_KEY = Buffer.from('"usage"');
const SPACE = 0x20;
const COLON = 0x3a;
const BRACE = 0x7b;

/** A `"usage": {` somewhere in the bytes (content chunks carry `"usage":null`, or nothing). */
function hasUsageObject(buffer: Buffer): boolean {
  let index = buffer.indexOf(USAGE_KEY);
  while (index !== -1) {
    let position = index + USAGE_KEY.length;
    while (buffer[position] === SPACE) position += 1;
    if (buffer[position] === COLON) {
      position += 1;
      while (buffer[position] === SPACE) position += 1;
      if (buffer[position] === BRACE) return true;
    }
    index = buffer.indexOf(USAGE_KEY, index + 1);
  }
  return false;
}

export class MeteredChunkStream extends DelegatingStreamTranslator {
  readonly #text: CompletionText;
  readonly #pricer: UsageChunkPricer;
  #innerFinalBytes: Uint8Array | null = null;
  #finalBytes: Uint8Array | null = null;

  constructor(inner: StreamTranslator, text: CompletionText, pricer: UsageChunkPricer) {
    super(inner);
    this.#text = text;
    this.#pricer = pricer;
  }

  /** The inner terminator, with the usage chunk held back in it (every translating adapter) costed. */
  override get finalBytes(): Uint8Array | null {
    const inner = this.inner.finalBytes;
    if (inner !== this.#innerFinalBytes) {
      this.#innerFinalBytes = inner;
      this.#finalBytes = inner === null ? null : this.#withUsageFields(inner);
    }
    return this.#finalBytes;
  }

  override push(event: Buffer, output: Uint8Array[]): void {
    const first = output.length;
    const inner = this.inner;
    inner.push(event, output);
    // The chunk whose text the translator read already (the OpenAI-compatible copy), if it says so.
    const known = (inner as Partial<PushedEventText>).pushedChunk;
    for (let index = first; index < output.length; index += 1) {
      const item = output[index] as Uint8Array;
      if (item === known) {
        const source = inner as unknown as PushedEventText;
        collectGeneratedText(source.pushedEvent, this.#text, source.pushedEventText);
      } else {
        collectGeneratedText(item, this.#text);
      }
      // Before the upstream's usage arrived no chunk can carry it.
      if (inner.usage !== null) output[index] = this.#withUsageFields(item);
    }
  }

  /** SSE events of `bytes` whose JSON carries a `usage` object get the fields; every other byte is kept. */
  #withUsageFields(bytes: Uint8Array): Uint8Array {
    const usage = this.inner.usage;
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (usage === null || !hasUsageObject(buffer)) return bytes;
    const events = buffer.toString('utf8').split(/(?<=\n\n)/);
    let changed = false;
    const rewritten = events.map((event) => {
      const match = /^data: ?(\{.*\})\r?\n\r?\n$/s.exec(event);
      if (match === null || !match[1]!.includes('"usage"')) return event;
      let chunk: Record<string, unknown>;
      try {
        chunk = JSON.parse(match[1]!) as Record<string, unknown>;
      } catch {
        return event;
      }
      if (chunk.usage === null || typeof chunk.usage !== 'object') return event;
      const fields = this.#pricer.usageChunkFields(usage);
      changed = true;
      // Prototype-less copies rather than spreads followed by new members (V8's slow path; see with-usage-cost.ts).
      const priced: Record<string, unknown> = Object.assign(Object.create(null) as object, chunk, fields.chunk);
      priced.usage = Object.assign(Object.create(null) as object, chunk.usage, fields.usage);
      return `data: ${JSON.stringify(priced)}\n\n`;
    });
    return changed ? Buffer.from(rewritten.join('')) : bytes;
  }
}
