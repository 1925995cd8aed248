// The OpenAI-compatible "translation" is a byte copy: each upstream event goes to the client as the
// upstream framed it (no per-chunk re-serialisation), only the bytes of its `model` value replaced by the
// requested id when the upstream named another. Events are otherwise only inspected for metering; the
// usage-only chunk is dropped unless the client asked for it, `[DONE]` is held back, and an upstream
// error frame is relayed and marks the stream failed: nothing after it reaches the client.
import { GatewayError } from '../../../../shared/src/errors.ts';
import type { StreamTranslator, TranslationContext, UnifiedUsage } from '../provider-adapter.ts';
import type { PushedEventText } from '../pushed-event-text.ts';
import { closesWithout, modelValueRange } from '../splice-json-member.ts';
import { inspectOpenAICompatibleEvent, namesInspectedKeyBefore } from './inspect-openai-compatible-event.ts';

const EMPTY = Buffer.alloc(0);

export class OpenAICompatibleStreamTranslator implements StreamTranslator, PushedEventText {
  usage: UnifiedUsage | null = null;
  finishReason: string | null = null;
  servedModel: string | null = null;
  finalBytes: Uint8Array | null = null;
  failure: StreamTranslator['failure'] = null;
  /**
   * The last push's chunk and event, and the event read as latin1, for metering (PushedEventText): the
   * chunk is the event, or it with its `model` value replaced by a JSON string (no text-carrying key
   * can be found in one), so its generated text is the event's, at the same offsets or not.
   */
  pushedChunk: Uint8Array | null = null;
  pushedEvent: Buffer = EMPTY;
  pushedEventText = '';
  readonly #clientWantsUsage: boolean;
  readonly #modelJson: Buffer;
  /** The last replaced event's bytes up to the end of its model's value, and what they became. */
  #scannedPrefix: Buffer | null = null;
  #replacedPrefix: Buffer | null = null;
  /** The scanned prefix names none of the keys the inspection searches for: its searches skip it. */
  #prefixNamesNoKey = false;

  constructor(context: TranslationContext) {
    this.#clientWantsUsage = context.clientWantsUsage;
    this.#modelJson = Buffer.from(JSON.stringify(context.model));
  }

  push(event: Buffer, output: Uint8Array[]): void {
    this.pushedChunk = null;
    if (this.failure !== null) return;
    // Read as latin1 once (one character per byte, so offsets are byte offsets) for every search below,
    // and metering's (pushedEventText).
    const text = event.toString('latin1');
    const prefix = this.#scannedPrefix;
    // The same bytes as the last replaced event up to the end of its model's value (the stream's id,
    // object, created and model, in the same order): those bytes are not scanned again.
    const samePrefix = prefix !== null && event.length > prefix.length && event.compare(prefix, 0, prefix.length, 0, prefix.length) === 0;
    const inspected = inspectOpenAICompatibleEvent(event, text, samePrefix && this.#prefixNamesNoKey ? prefix.length : 0);
    if (inspected.usage !== null) this.usage = inspected.usage;
    if (inspected.model !== null) this.servedModel = inspected.model;
    if (inspected.finishReason !== null) this.finishReason = inspected.finishReason;
    if (inspected.kind === 'done') {
      this.finalBytes = event;
      return;
    }
    if (inspected.kind === 'usage-only' && !this.#clientWantsUsage) return;
    if (inspected.kind === 'error') {
      this.failure = { error: new GatewayError('upstream_error', inspected.errorMessage ?? 'The upstream provider reported an error.'), relayed: true };
    }
    const chunk = inspected.kind === 'other' ? event : this.#withRequestedModel(event, text, samePrefix);
    output.push(chunk);
    this.pushedChunk = chunk;
    this.pushedEvent = event;
    this.pushedEventText = text;
  }

  /**
   * The event with its chunk's top-level `model` naming the requested id (unchanged when it already does, or
   * has none). `samePrefix`: it starts with the last replaced event's bytes up to the end of its model's value.
   */
  #withRequestedModel(event: Buffer, text: string, samePrefix: boolean): Buffer {
    const prefix = this.#scannedPrefix;
    // The scan would find the same member in the repeated bytes, so only the rest is scanned. Finding the
    // member was 3.9 % of the data plane's busy time under streamed load.
    if (samePrefix && prefix !== null && (closesPlainly(text, prefix.length) ?? closesWithout(text, 'model', prefix.length))) {
      return Buffer.concat([this.#replacedPrefix as Buffer, event.subarray(prefix.length)]);
    }
    const brace = text.indexOf('{');
    const range = brace === -1 ? null : modelValueRange(text, brace);
    if (range === null) return event;
    const current = event.subarray(range.start, range.end);
    if (current.equals(this.#modelJson)) return event;
    const replaced = Buffer.concat([event.subarray(0, range.start), this.#modelJson, event.subarray(range.end)]);
    this.#scannedPrefix = Buffer.from(event.subarray(0, range.end));
    this.#replacedPrefix = replaced.subarray(0, range.start + this.#modelJson.length);
    this.#prefixNamesNoKey = !namesInspectedKeyBefore(text, range.end);
    return replaced;
  }

  end(): void {
    // A stream that ends without `[DONE]` is relayed as it was: the upstream decided how it ends.
  }
}

const QUOTE = 0x22;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/**
 * closesWithout(text, 'model', from)'s answer where it is plain to see, else null (the caller asks it):
 * resumed at `from`, just after a member's value at the top level, the object closes, and no string
 * before that holds an escape or reads `model` (so no other member is named model, escaped or not).
 * Strings are skipped with one search each rather than walked: about a fifth of a content chunk's cost
 * here was closesWithout's walk (a member map, each key compared) over the bytes after the model.
 */
function closesPlainly(text: string, from: number): true | null {
  const backslash = text.indexOf('\\', from);
  let depth = 1;
  for (let index = from; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code === QUOTE) {
      const end = text.indexOf('"', index + 1);
      if (end === -1 || (backslash !== -1 && end > backslash)) return null;
      if (end - index === 6 && text.startsWith('model', index + 1)) return null;
      index = end;
    } else if (code === OPEN_BRACE || code === OPEN_BRACKET) {
      depth++;
    } else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
      if (--depth === 0) return true;
    }
  }
  return null;
}
