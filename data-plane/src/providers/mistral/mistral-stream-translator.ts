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
import { ChunkStreamTranslator } from '../chunk-stream-translator.ts';
import { convertOpenAICompatibleUsage } from '../openai-compatible/convert-openai-compatible-usage.ts';
import type { TranslationContext } from '../provider-adapter.ts';
import { convertMistralMessage } from './convert-mistral-message.ts';
import { mapMistralFinishReason } from './map-mistral-finish-reason.ts';
import type { MistralChoiceWire, MistralResponseWire, MistralToolCallWire } from './mistral-wire.ts';

export class MistralStreamTranslator extends ChunkStreamTranslator<MistralResponseWire> {
  /** Tool call id → OpenAI tool call index, in order of appearance. */
  #toolCallIndexes = new Map<string, number>();

  constructor(context: TranslationContext) {
    super(context, null);
  }

  protected override isTerminator(data: string): boolean {
    return data.trim() === '[DONE]';
  }

  protected translate(chunk: MistralResponseWire, output: Uint8Array[]): void {
    if (chunk.object === 'error' || chunk.error !== undefined) return this.fail(new GatewayError('upstream_error', errorMessage(chunk)));
    if (chunk.id !== undefined) this.id = chunk.id;
    if (typeof chunk.created === 'number') this.created = chunk.created;
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
    output.push(this.chunk(choices));
    if (failed) this.fail(new GatewayError('upstream_error', 'The upstream provider stopped generating with an error.'));
  }

  /** A body that ends without `[DONE]` after a finish reason is whole. */
  protected isComplete(): boolean {
    return this.finishReason !== null;
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
}

function errorMessage(chunk: MistralResponseWire): string {
  const error = chunk.error as { message?: unknown } | string | undefined;
  const message = typeof error === 'string' ? error : typeof error?.message === 'string' ? error.message : chunk.message;
  return typeof message === 'string' ? message : 'The upstream provider reported an error.';
}
