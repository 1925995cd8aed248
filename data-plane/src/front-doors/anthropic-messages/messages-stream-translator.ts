// Wraps a provider's stream translator (whose output is OpenAI chat.completion.chunk events) so the client
// gets Anthropic's `event:`-framed stream (wire-formats.md §2.5); the inverse of
// providers/anthropic/anthropic-stream-translator.ts:
//   first chunk              → message_start (usage still zero) and a ping
//   delta.reasoning          → a thinking block (thinking_delta; no signature: only Anthropic signs)
//   delta.content            → a text block (text_delta)
//   delta.tool_calls         → one tool_use block per call (input_json_delta), numbered in order of appearance
//   finish_reason            → the open block's content_block_stop
//   the end ([DONE])         → message_delta (stop_reason, the whole usage) and message_stop, held back
//                              until the usage event is durable
// A block of another kind starting closes the open one, so blocks never interleave. Token counts come
// from the wrapped translator; the usage-only chunk (relayed, or held back with [DONE]) is read only for
// the gateway's cost fields, which message_delta's usage carries as the chat usage chunk does. An
// upstream error frame the wrapped translator relayed is re-sent as Anthropic's `event: error`.
import type { ErrorPresenter } from '../../http/send-error.ts';
import { DelegatingStreamTranslator } from '../../providers/delegating-stream-translator.ts';
import type { StreamTranslator } from '../../providers/provider-adapter.ts';
import { parseJsonObject, readSseEvent } from '../../providers/read-sse-event.ts';
import { mapFinishReasonToStopReason, type AnthropicStopReason } from './map-finish-reason-to-stop-reason.ts';
import { readCostFields } from './read-cost-fields.ts';
import { toAnthropicUsage } from './to-anthropic-usage.ts';

interface ChunkWire {
  model?: unknown;
  error?: unknown;
  usage?: unknown;
  choices?: Array<{ delta?: DeltaWire | null; finish_reason?: unknown } | null> | unknown;
}

type ToolCallDeltaWire = { index?: unknown; id?: unknown; function?: { name?: unknown; arguments?: unknown } | null } | null;

interface DeltaWire {
  content?: unknown;
  reasoning?: unknown;
  reasoning_content?: unknown;
  tool_calls?: unknown;
}

type OpenBlock = { index: number; kind: 'text' | 'thinking' | 'tool_use' };

export function formatMessagesEvent(type: string, data: object): Buffer {
  return Buffer.from(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
}

export class MessagesStreamTranslator extends DelegatingStreamTranslator {
  readonly #messageId: string;
  readonly #errors: ErrorPresenter;
  #model: string | null = null;
  #started = false;
  #openBlock: OpenBlock | null = null;
  #blockCount = 0;
  /** OpenAI tool-call index → content block index. */
  #toolBlocks = new Map<number, number>();
  #stopReason: AnthropicStopReason = 'end_turn';
  #costFields: Record<string, unknown> = {};
  #errorSent = false;
  #ended = false;
  #finalBytes: Uint8Array | null = null;

  constructor(inner: StreamTranslator, messageId: string, errors: ErrorPresenter) {
    super(inner);
    this.#messageId = messageId;
    this.#errors = errors;
  }

  /** message_delta and message_stop, once the wrapped stream finished cleanly. */
  override get finalBytes(): Uint8Array | null {
    if (this.#finalBytes !== null || this.inner.failure !== null) return this.#finalBytes;
    if (this.inner.finalBytes === null && !this.#ended) return null;
    const events: Uint8Array[] = [];
    // What the wrapped translator held back with [DONE] (a usage chunk) is read like any other chunk.
    if (this.inner.finalBytes !== null) this.#readChunks(this.inner.finalBytes, events);
    this.#start(events);
    this.#closeBlock(events);
    const usage = { ...toAnthropicUsage(this.inner.usage), ...this.#costFields };
    events.push(formatMessagesEvent('message_delta', { delta: { stop_reason: this.#stopReason, stop_sequence: null }, usage }));
    events.push(formatMessagesEvent('message_stop', {}));
    this.#finalBytes = Buffer.concat(events);
    return this.#finalBytes;
  }

  override push(event: Buffer, output: Uint8Array[]): void {
    const chunks: Uint8Array[] = [];
    this.inner.push(event, chunks);
    for (const chunk of chunks) this.#readChunks(chunk, output);
    const failure = this.inner.failure;
    if (failure !== null && failure.relayed && !this.#errorSent) {
      this.#errorSent = true;
      const frame = this.#errors.frame(failure.error);
      output.push(typeof frame === 'string' ? Buffer.from(frame) : frame);
    }
  }

  override end(): void {
    super.end();
    this.#ended = true;
  }

  /** Every chunk event in `bytes` (one event, or the held-back usage chunk and [DONE]). */
  #readChunks(bytes: Uint8Array, output: Uint8Array[]): void {
    for (const event of Buffer.from(bytes)
      .toString('utf8')
      .split(/\r?\n\r?\n/)) {
      const { data } = readSseEvent(Buffer.from(event));
      if (data === null || data === '[DONE]') continue;
      const payload = parseJsonObject<ChunkWire>(data);
      if (payload === null || payload.error !== undefined) continue;
      if (payload.usage !== null && typeof payload.usage === 'object') this.#costFields = readCostFields(payload.usage);
      this.#onChunk(payload, output);
    }
  }

  #onChunk(chunk: ChunkWire, output: Uint8Array[]): void {
    if (this.#model === null && typeof chunk.model === 'string') this.#model = chunk.model;
    this.#start(output);
    const choice = Array.isArray(chunk.choices) ? (chunk.choices[0] as { delta?: DeltaWire | null; finish_reason?: unknown } | null | undefined) : undefined;
    if (choice === null || choice === undefined) return;
    const delta = choice.delta ?? {};
    const reasoning = typeof delta.reasoning === 'string' ? delta.reasoning : delta.reasoning_content;
    if (typeof reasoning === 'string' && reasoning !== '') {
      this.#ensureBlock('thinking', { type: 'thinking', thinking: '', signature: '' }, output);
      this.#delta({ type: 'thinking_delta', thinking: reasoning }, output);
    }
    if (typeof delta.content === 'string' && delta.content !== '') {
      this.#ensureBlock('text', { type: 'text', text: '' }, output);
      this.#delta({ type: 'text_delta', text: delta.content }, output);
    }
    if (Array.isArray(delta.tool_calls)) for (const call of delta.tool_calls as ToolCallDeltaWire[]) this.#onToolCall(call, output);
    if (choice.finish_reason !== null && choice.finish_reason !== undefined) {
      this.#stopReason = mapFinishReasonToStopReason(choice.finish_reason);
      this.#closeBlock(output);
    }
  }

  #onToolCall(call: ToolCallDeltaWire, output: Uint8Array[]): void {
    const toolIndex = typeof call?.index === 'number' ? call.index : 0;
    let blockIndex = this.#toolBlocks.get(toolIndex);
    if (blockIndex === undefined) {
      this.#closeBlock(output);
      blockIndex = this.#openNew('tool_use', output, {
        type: 'tool_use',
        id: typeof call?.id === 'string' ? call.id : `toolu_${this.#messageId}_${toolIndex}`,
        name: typeof call?.function?.name === 'string' ? call.function.name : '',
        input: {},
      });
      this.#toolBlocks.set(toolIndex, blockIndex);
    }
    const partial = call?.function?.arguments;
    if (typeof partial === 'string' && partial !== '') {
      output.push(formatMessagesEvent('content_block_delta', { index: blockIndex, delta: { type: 'input_json_delta', partial_json: partial } }));
    }
  }

  #start(output: Uint8Array[]): void {
    if (this.#started) return;
    this.#started = true;
    const message = {
      id: this.#messageId,
      type: 'message',
      role: 'assistant',
      model: this.#model ?? this.inner.servedModel ?? '',
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: toAnthropicUsage(null),
    };
    output.push(formatMessagesEvent('message_start', { message }), formatMessagesEvent('ping', {}));
  }

  #ensureBlock(kind: 'text' | 'thinking', contentBlock: object, output: Uint8Array[]): void {
    if (this.#openBlock?.kind === kind) return;
    this.#closeBlock(output);
    this.#openNew(kind, output, contentBlock);
  }

  #openNew(kind: OpenBlock['kind'], output: Uint8Array[], contentBlock: object): number {
    const index = this.#blockCount++;
    this.#openBlock = { index, kind };
    output.push(formatMessagesEvent('content_block_start', { index, content_block: contentBlock }));
    return index;
  }

  #delta(delta: object, output: Uint8Array[]): void {
    output.push(formatMessagesEvent('content_block_delta', { index: (this.#openBlock as OpenBlock).index, delta }));
  }

  #closeBlock(output: Uint8Array[]): void {
    if (this.#openBlock === null) return;
    output.push(formatMessagesEvent('content_block_stop', { index: this.#openBlock.index }));
    this.#openBlock = null;
  }
}
