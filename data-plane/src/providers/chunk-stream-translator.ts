// The base of every stream translator that rewrites an upstream's events as OpenAI
// chat.completion.chunk events (Anthropic, Gemini, Mistral), so the rules every one of them honours are
// written once (and checked once, for every adapter, by stream-translator-contract.test.ts):
//   - an event whose data is not a JSON object fails the stream; nothing after a failure is read
//   - every chunk carries the stream's id, created and the requested model, and `usage: null` when the client asked
//     for usage (as OpenAI does)
//   - the usage-only chunk (`choices: []`, only when the client asked) and `data: [DONE]` are held back
//     together as finalBytes, so they go out once the usage event is durable
//   - a body that ends before the upstream's answer was complete is a failure
// A subclass translates one parsed event, calls complete() on the upstream's own terminator (if it has
// one) and says whether an answer that simply ended was whole.
import { GatewayError } from '../../../shared/src/errors.ts';
import type { StreamTranslator, TranslationContext, UnifiedUsage } from './provider-adapter.ts';
import { parseJsonObject, readSseEvent } from './read-sse-event.ts';
import { toOpenAIUsage } from './to-openai-usage.ts';

const DONE = Buffer.from('data: [DONE]\n\n');

export interface ChunkChoice {
  index: number;
  delta: object;
  finish_reason: string | null;
  logprobs: null;
}

export abstract class ChunkStreamTranslator<Wire extends object> implements StreamTranslator {
  usage: UnifiedUsage | null = null;
  finishReason: string | null = null;
  servedModel: string | null = null;
  finalBytes: Uint8Array | null = null;
  failure: StreamTranslator['failure'] = null;
  protected readonly context: TranslationContext;
  /** The chunks' `id` (the upstream's, once it named one). */
  protected id: unknown;
  /** The chunks' `created`: the request's arrival, unless the upstream stamps its own. */
  protected created: number;
  /** The failure of a body that ended before the answer was complete. */
  protected readonly cutShortMessage: string = 'The upstream stream ended before the message was complete.';
  #stopped = false;

  constructor(context: TranslationContext, id: unknown) {
    this.context = context;
    this.id = id;
    this.created = context.created;
  }

  push(event: Buffer, output: Uint8Array[]): void {
    if (this.#stopped) return;
    const { data } = readSseEvent(event);
    if (data === null) return;
    if (this.isTerminator(data)) return this.complete();
    const payload = parseJsonObject<Wire>(data);
    if (payload === null) return this.fail(new GatewayError('upstream_error', 'The upstream provider sent a malformed stream event.'));
    this.translate(payload, output);
  }

  end(): void {
    if (this.#stopped) return;
    if (this.isComplete()) this.complete();
    else this.fail(new GatewayError('upstream_error', this.cutShortMessage));
  }

  /** Translates one upstream event, appending client chunks to `output`. */
  protected abstract translate(payload: Wire, output: Uint8Array[]): void;

  /** Whether the answer was whole when the upstream body ended without (another) terminator. */
  protected abstract isComplete(): boolean;

  /** An event's data that ends the stream without being JSON (Mistral's `[DONE]`). */
  protected isTerminator(_data: string): boolean {
    return false;
  }

  /** The answer is whole: hold back the usage-only chunk (when the client asked) and `[DONE]`. */
  protected complete(): void {
    const usage = this.context.clientWantsUsage && this.usage !== null ? this.#usageChunk(this.usage) : null;
    this.finalBytes = usage === null ? DONE : Buffer.concat([usage, DONE]);
    this.#stopped = true;
  }

  protected fail(error: GatewayError): void {
    this.failure = { error, relayed: false };
    this.#stopped = true;
  }

  protected choiceChunk(index: number, delta: object, finishReason: string | null): Buffer {
    return this.chunk([{ index, delta, finish_reason: finishReason, logprobs: null }]);
  }

  protected chunk(choices: ChunkChoice[]): Buffer {
    return this.#event({ choices, ...(this.context.clientWantsUsage ? { usage: null } : {}) });
  }

  #usageChunk(usage: UnifiedUsage): Buffer {
    return this.#event({ choices: [], usage: toOpenAIUsage(usage) });
  }

  #event(fields: object): Buffer {
    const chunk = { id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.context.model, ...fields };
    return Buffer.from(`data: ${JSON.stringify(chunk)}\n\n`);
  }
}
