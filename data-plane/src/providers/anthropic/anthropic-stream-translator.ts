// Anthropic's `event:`-framed stream (wire-formats.md §2.5) → OpenAI chat.completion.chunk events
// (§2.1), one upstream event at a time:
//   message_start                → the role chunk (`delta: {role, content: ""}`)
//   text_delta / thinking_delta  → `delta.content` / `delta.reasoning`
//   tool_use start + input_json_delta → `delta.tool_calls[{index, id?, type?, function}]`, numbered in
//                                  order of appearance; every delta carries a `function` object
//   message_delta                → the finish chunk; message_stop → the held-back usage-only chunk
//                                  (when the client asked) and `data: [DONE]`
//   ping, signatures, unknown    → nothing
//   event: error, bad JSON       → `failure` (the pipeline sends the final error frame)
// Usage in message_delta is cumulative: present fields overwrite the message_start values.
import { ChunkStreamTranslator } from '../chunk-stream-translator.ts';
import type { TranslationContext } from '../provider-adapter.ts';
import { anthropicStreamError } from './anthropic-error.ts';
import type { AnthropicStreamEventWire, AnthropicUsageWire } from './anthropic-wire.ts';
import { convertAnthropicUsage } from './convert-anthropic-usage.ts';
import { mapAnthropicStopReason } from './map-anthropic-stop-reason.ts';

export class AnthropicStreamTranslator extends ChunkStreamTranslator<AnthropicStreamEventWire> {
  #rawUsage: AnthropicUsageWire = {};
  /** Content block index → OpenAI tool call index. */
  #toolCallIndexes = new Map<number, number>();

  constructor(context: TranslationContext) {
    super(context, 'msg_unknown');
  }

  protected translate(payload: AnthropicStreamEventWire, output: Uint8Array[]): void {
    switch (payload.type) {
      case 'message_start':
        return this.#onMessageStart(payload, output);
      case 'content_block_start':
        return this.#onBlockStart(payload, output);
      case 'content_block_delta':
        return this.#onBlockDelta(payload, output);
      case 'message_delta':
        this.#mergeUsage(payload.usage);
        this.finishReason = mapAnthropicStopReason(payload.delta?.stop_reason);
        output.push(this.choiceChunk(0, {}, this.finishReason));
        return;
      case 'message_stop':
        return this.complete();
      case 'error':
        return this.fail(anthropicStreamError(payload.error));
      default:
        // ping, content_block_stop and event types added later carry nothing an OpenAI client reads.
        return;
    }
  }

  /** Only message_stop completes a message. */
  protected isComplete(): boolean {
    return false;
  }

  #onMessageStart(payload: AnthropicStreamEventWire, output: Uint8Array[]): void {
    const message = payload.message;
    if (typeof message?.id === 'string') this.id = message.id;
    if (typeof message?.model === 'string') this.servedModel = message.model;
    this.#mergeUsage(message?.usage);
    output.push(this.choiceChunk(0, { role: 'assistant', content: '' }, null));
  }

  #onBlockStart(payload: AnthropicStreamEventWire, output: Uint8Array[]): void {
    const block = payload.content_block;
    if (block?.type === 'tool_use' && typeof payload.index === 'number') {
      const index = this.#toolCallIndexes.size;
      this.#toolCallIndexes.set(payload.index, index);
      const name = typeof block.name === 'string' ? block.name : '';
      output.push(this.choiceChunk(0, { tool_calls: [{ index, id: block.id, type: 'function', function: { name, arguments: '' } }] }, null));
    } else if (block?.type === 'text' && typeof block.text === 'string' && block.text !== '') {
      output.push(this.choiceChunk(0, { content: block.text }, null));
    } else if (block?.type === 'thinking' && typeof block.thinking === 'string' && block.thinking !== '') {
      output.push(this.choiceChunk(0, { reasoning: block.thinking }, null));
    }
  }

  #onBlockDelta(payload: AnthropicStreamEventWire, output: Uint8Array[]): void {
    const delta = payload.delta;
    if (delta?.type === 'text_delta' && typeof delta.text === 'string') output.push(this.choiceChunk(0, { content: delta.text }, null));
    else if (delta?.type === 'thinking_delta' && typeof delta.thinking === 'string') output.push(this.choiceChunk(0, { reasoning: delta.thinking }, null));
    else if (delta?.type === 'input_json_delta' && typeof delta.partial_json === 'string' && delta.partial_json !== '') {
      const index = typeof payload.index === 'number' ? this.#toolCallIndexes.get(payload.index) : undefined;
      if (index === undefined) return;
      output.push(this.choiceChunk(0, { tool_calls: [{ index, function: { arguments: delta.partial_json } }] }, null));
    }
  }

  #mergeUsage(usage: AnthropicUsageWire | null | undefined): void {
    if (usage === null || typeof usage !== 'object') return;
    for (const [field, value] of Object.entries(usage)) {
      if (value !== null && value !== undefined) (this.#rawUsage as Record<string, unknown>)[field] = value;
    }
    this.usage = convertAnthropicUsage(this.#rawUsage);
  }
}
