// Mistral's chat stream (OpenAI-style `data:` chunks, usage on the last chunk, `data: [DONE]`) → OpenAI
// chat.completion.chunk events. Unlike the OpenAI-compatible byte copy, every chunk is re-serialised,
// because Mistral's differ where clients look:
//   finish_reason `model_length` → `length`; `error` → the chunk's text is relayed, then `failure`
//   tool calls arrive whole, each without a reliable `index` → numbered in order of appearance
//   reasoning content chunks → `delta.content` / `delta.reasoning` strings
//   usage rides on the last choice chunk → moved to the usage-only chunk (`choices: []`) before
//   `[DONE]`, sent only when the client asked (`usage: null` on every chunk then, as OpenAI does)
// A stream that ends without `[DONE]` after a finish reason is complete; before one, it failed.
import { GatewayError } from '../../../../shared/src/errors.ts';
import { convertOpenAICompatibleUsage } from '../openai-compatible/convert-openai-compatible-usage.ts';
import type { StreamTranslator, TranslationContext, UnifiedUsage } from '../provider-adapter.ts';
import { parseJsonObject, readSseEvent } from '../read-sse-event.ts';
import { toOpenAIUsage } from '../to-openai-usage.ts';
import { convertMistralMessage } from './convert-mistral-message.ts';
import { mapMistralFinishReason } from './map-mistral-finish-reason.ts';
import type { MistralChoiceWire, MistralResponseWire, MistralToolCallWire } from './mistral-wire.ts';

const DONE = Buffer.from('data: [DONE]\n\n');

export class MistralStreamTranslator implements StreamTranslator {
  usage: UnifiedUsage | null = null;
  finishReason: string | null = null;
  servedModel: string | null = null;
  finalBytes: Uint8Array | null = null;
  failure: StreamTranslator['failure'] = null;
  readonly #context: TranslationContext;
  #id: unknown = null;
  #created: unknown;
  /** Tool call id → OpenAI tool call index, in order of appearance. */
  #toolCallIndexes = new Map<string, number>();
  #stopped = false;

  constructor(context: TranslationContext) {
    this.#context = context;
    this.#created = context.created;
  }

  push(event: Buffer, output: Uint8Array[]): void {
    if (this.#stopped) return;
    const { data } = readSseEvent(event);
    if (data === null) return;
    if (data.trim() === '[DONE]') return this.#finish();
    const chunk = parseJsonObject<MistralResponseWire>(data);
    if (chunk === null) return this.#fail('The upstream provider sent a malformed stream event.');
    if (chunk.object === 'error' || chunk.error !== undefined) return this.#fail(errorMessage(chunk));
    if (chunk.id !== undefined) this.#id = chunk.id;
    if (typeof chunk.created === 'number') this.#created = chunk.created;
    if (typeof chunk.model === 'string') this.servedModel = chunk.model;
    const usage = convertOpenAICompatibleUsage(chunk.usage);
    if (usage !== null) this.usage = usage;
    if (!Array.isArray(chunk.choices) || chunk.choices.length === 0) return;

    let failed = false;
    const choices = (chunk.choices as Array<MistralChoiceWire | null>).map((choice, position) => {
      const mapped = mapMistralFinishReason(choice?.finish_reason);
      if (mapped === 'error') failed = true;
      else if (mapped !== null) this.finishReason = mapped;
      const delta = convertMistralMessage(choice?.delta ?? {});
      if (Array.isArray(delta.tool_calls)) delta.tool_calls = delta.tool_calls.map((call) => this.#indexToolCall(call));
      return { index: typeof choice?.index === 'number' ? choice.index : position, delta, finish_reason: mapped === 'error' ? null : mapped, logprobs: null };
    });
    output.push(this.#chunk({ choices, ...(this.#context.clientWantsUsage ? { usage: null } : {}) }));
    if (failed) this.#fail('The upstream provider stopped generating with an error.');
  }

  end(): void {
    if (this.#stopped) return;
    if (this.finishReason !== null) this.#finish();
    else this.#fail('The upstream stream ended before the message was complete.');
  }

  #indexToolCall(call: MistralToolCallWire): MistralToolCallWire {
    const id = typeof call.id === 'string' ? call.id : null;
    let index = id === null ? undefined : this.#toolCallIndexes.get(id);
    if (index === undefined) {
      index = id === null ? Math.max(0, this.#toolCallIndexes.size - 1) : this.#toolCallIndexes.size;
      if (id !== null) this.#toolCallIndexes.set(id, index);
    }
    return { ...call, index };
  }

  #finish(): void {
    // The usage-only chunk is held back with `[DONE]`: both are final bytes.
    const usageChunk = this.#context.clientWantsUsage && this.usage !== null ? this.#chunk({ choices: [], usage: toOpenAIUsage(this.usage) }) : null;
    this.finalBytes = usageChunk === null ? DONE : Buffer.concat([usageChunk, DONE]);
    this.#stopped = true;
  }

  #fail(message: string): void {
    this.failure = { error: new GatewayError('upstream_error', message), relayed: false };
    this.#stopped = true;
  }

  #chunk(fields: object): Buffer {
    return Buffer.from(
      `data: ${JSON.stringify({ id: this.#id, object: 'chat.completion.chunk', created: this.#created, model: this.servedModel, ...fields })}\n\n`,
    );
  }
}

function errorMessage(chunk: MistralResponseWire): string {
  const error = chunk.error as { message?: unknown } | string | undefined;
  const message = typeof error === 'string' ? error : typeof error?.message === 'string' ? error.message : chunk.message;
  return typeof message === 'string' ? message : 'The upstream provider reported an error.';
}
