// Anthropic's `event:`-framed stream (wire-formats.md §2.5) → OpenAI chat.completion.chunk events
// (§2.1), one upstream event at a time:
//   message_start                → the role chunk (`delta: {role, content: ""}`)
//   text_delta / thinking_delta  → `delta.content` / `delta.reasoning`
//   tool_use start + input_json_delta → `delta.tool_calls[{index, id?, type?, function}]`, numbered in
//                                  order of appearance; every delta carries a `function` object
//   message_delta                → the finish chunk; message_stop → the usage-only chunk (when the
//                                  client asked) and the held-back `data: [DONE]`
//   ping, signatures, unknown    → nothing
//   event: error, bad JSON       → `failure` (the pipeline sends the final error frame)
// Usage in message_delta is cumulative: present fields overwrite the message_start values.
import { GatewayError } from '../../../../shared/src/errors.ts';
import type { StreamTranslator, TranslationContext, UnifiedUsage } from '../provider-adapter.ts';
import { parseJsonObject, readSseEvent } from '../read-sse-event.ts';
import { toOpenAIUsage } from '../to-openai-usage.ts';
import { anthropicStreamError } from './anthropic-error.ts';
import type { AnthropicStreamEventWire, AnthropicUsageWire } from './anthropic-wire.ts';
import { convertAnthropicUsage } from './convert-anthropic-usage.ts';
import { mapAnthropicStopReason } from './map-anthropic-stop-reason.ts';

const DONE = Buffer.from('data: [DONE]\n\n');

export class AnthropicStreamTranslator implements StreamTranslator {
  usage: UnifiedUsage | null = null;
  finishReason: string | null = null;
  servedModel: string | null = null;
  finalBytes: Uint8Array | null = null;
  failure: StreamTranslator['failure'] = null;
  readonly #context: TranslationContext;
  #id = 'msg_unknown';
  #rawUsage: AnthropicUsageWire = {};
  /** Content block index → OpenAI tool call index. */
  #toolCallIndexes = new Map<number, number>();
  #stopped = false;

  constructor(context: TranslationContext) {
    this.#context = context;
  }

  push(event: Buffer, output: Uint8Array[]): void {
    if (this.#stopped) return;
    const { data } = readSseEvent(event);
    if (data === null) return;
    const payload = parseJsonObject<AnthropicStreamEventWire>(data);
    if (payload === null) {
      this.#fail(new GatewayError('upstream_error', 'The upstream provider sent a malformed stream event.'));
      return;
    }
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
        output.push(this.#chunk({}, this.finishReason));
        return;
      case 'message_stop':
        if (this.#context.clientWantsUsage && this.usage !== null) output.push(this.#usageChunk(this.usage));
        this.finalBytes = DONE;
        this.#stopped = true;
        return;
      case 'error':
        this.#fail(anthropicStreamError(payload.error));
        return;
      default:
        // ping, content_block_stop and event types added later carry nothing an OpenAI client reads.
        return;
    }
  }

  end(): void {
    if (!this.#stopped) this.#fail(new GatewayError('upstream_error', 'The upstream stream ended before the message was complete.'));
  }

  #onMessageStart(payload: AnthropicStreamEventWire, output: Uint8Array[]): void {
    const message = payload.message;
    if (typeof message?.id === 'string') this.#id = message.id;
    if (typeof message?.model === 'string') this.servedModel = message.model;
    this.#mergeUsage(message?.usage);
    output.push(this.#chunk({ role: 'assistant', content: '' }, null));
  }

  #onBlockStart(payload: AnthropicStreamEventWire, output: Uint8Array[]): void {
    const block = payload.content_block;
    if (block?.type === 'tool_use' && typeof payload.index === 'number') {
      const index = this.#toolCallIndexes.size;
      this.#toolCallIndexes.set(payload.index, index);
      const name = typeof block.name === 'string' ? block.name : '';
      output.push(this.#chunk({ tool_calls: [{ index, id: block.id, type: 'function', function: { name, arguments: '' } }] }, null));
    } else if (block?.type === 'text' && typeof block.text === 'string' && block.text !== '') {
      this.#text(block.text, 'content', output);
    } else if (block?.type === 'thinking' && typeof block.thinking === 'string' && block.thinking !== '') {
      this.#text(block.thinking, 'reasoning', output);
    }
  }

  #onBlockDelta(payload: AnthropicStreamEventWire, output: Uint8Array[]): void {
    const delta = payload.delta;
    if (delta?.type === 'text_delta' && typeof delta.text === 'string') this.#text(delta.text, 'content', output);
    else if (delta?.type === 'thinking_delta' && typeof delta.thinking === 'string') this.#text(delta.thinking, 'reasoning', output);
    else if (delta?.type === 'input_json_delta' && typeof delta.partial_json === 'string' && delta.partial_json !== '') {
      const index = typeof payload.index === 'number' ? this.#toolCallIndexes.get(payload.index) : undefined;
      if (index === undefined) return;
      output.push(this.#chunk({ tool_calls: [{ index, function: { arguments: delta.partial_json } }] }, null));
    }
  }

  #text(text: string, field: 'content' | 'reasoning', output: Uint8Array[]): void {
    output.push(this.#chunk({ [field]: text }, null));
  }

  #mergeUsage(usage: AnthropicUsageWire | null | undefined): void {
    if (usage === null || typeof usage !== 'object') return;
    for (const [field, value] of Object.entries(usage)) {
      if (value !== null && value !== undefined) (this.#rawUsage as Record<string, unknown>)[field] = value;
    }
    this.usage = convertAnthropicUsage(this.#rawUsage);
  }

  #fail(error: GatewayError): void {
    this.failure = { error, relayed: false };
    this.#stopped = true;
  }

  #chunk(delta: object, finishReason: string | null): Buffer {
    const chunk = {
      id: this.#id,
      object: 'chat.completion.chunk',
      created: this.#context.created,
      model: this.servedModel,
      choices: [{ index: 0, delta, finish_reason: finishReason, logprobs: null }],
      ...(this.#context.clientWantsUsage ? { usage: null } : {}),
    };
    return Buffer.from(`data: ${JSON.stringify(chunk)}\n\n`);
  }

  #usageChunk(usage: UnifiedUsage): Buffer {
    const chunk = {
      id: this.#id,
      object: 'chat.completion.chunk',
      created: this.#context.created,
      model: this.servedModel,
      choices: [],
      usage: toOpenAIUsage(usage),
    };
    return Buffer.from(`data: ${JSON.stringify(chunk)}\n\n`);
  }
}
