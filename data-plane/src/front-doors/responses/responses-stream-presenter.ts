// Wraps the adapter's stream translator (whose output is OpenAI chat.completion.chunk events) and
// presents the Responses API's typed event stream, each event with an increasing `sequence_number`:
//
//   response.created, response.in_progress                       on the first upstream event
//   output_item.added → content_part.added → output_text.delta…   a message (chat `content`)
//   output_item.added → reasoning_summary_part.added → …delta…    reasoning (chat `reasoning`)
//   output_item.added → function_call_arguments.delta…            one item per chat tool call index
//   …done events, output_item.done, response.completed            held back as finalBytes (sent once
//                                                                 the usage event is durable)
//
// A text or reasoning item closes when another item starts; function calls stay open to the end, so
// interleaved argument deltas of parallel calls still land on their own item. A relayed upstream error
// frame becomes `response.failed` (held back too); `failedFrame` ends a stream that broke otherwise.
// Events are serialised when emitted, so the items can keep growing in place for the final snapshot.
//
// A streamed item's id is announced before its text, so it cannot carry it as a non-streamed one does;
// the first function call carries the message and reasoning items streamed before it in its call_id
// instead, so that a later `item_reference` to them can still be expanded (self-contained-item-id.ts).
import type { GatewayError } from '../../../../shared/src/errors.ts';
import { DelegatingStreamTranslator } from '../../providers/delegating-stream-translator.ts';
import type { StreamTranslator } from '../../providers/provider-adapter.ts';
import { parseJsonObject, readSseEvent } from '../../providers/read-sse-event.ts';
import { SseEventSplitter } from '../../providers/split-sse-events.ts';
import type { ResponsesEcho } from './convert-responses-request.ts';
import { buildResponseObject, convertChatUsage, statusOfFinishReason, type ResponseIdentity } from './responses-object.ts';
import type {
  ResponsesFunctionCallItem,
  ResponsesMessageItem,
  ResponsesObject,
  ResponsesOutputItem,
  ResponsesReasoningItem,
  ResponsesStatus,
} from './responses-wire.ts';
import { carryingCallId, selfContainedMessageId, selfContainedReasoningId } from './self-contained-item-id.ts';

interface ChatChunk {
  error?: { message?: unknown; code?: unknown };
  usage?: unknown;
  choices?: Array<{
    delta?: {
      content?: unknown;
      refusal?: unknown;
      reasoning?: unknown;
      reasoning_content?: unknown;
      tool_calls?: Array<{ index?: unknown; id?: unknown; function?: { name?: unknown; arguments?: unknown } }>;
    };
    finish_reason?: unknown;
  }>;
}

type Event = Record<string, unknown> & { type: string };

export class ResponsesStreamPresenter extends DelegatingStreamTranslator {
  readonly #identity: ResponseIdentity;
  readonly #echo: ResponsesEcho;
  readonly #splitter = new SseEventSplitter();
  #sequence = 0;
  #started = false;
  #terminal: Uint8Array | null = null;
  readonly #output: ResponsesOutputItem[] = [];
  /** The open message or reasoning item's output index. */
  #openTextIndex: number | null = null;
  /** Chat tool-call index → output index of its function_call item (open until the end). */
  readonly #toolItems = new Map<number, number>();
  #usage: ResponsesObject['usage'] = null;
  #finishReason: unknown = null;

  constructor(inner: StreamTranslator, identity: ResponseIdentity, echo: ResponsesEcho) {
    super(inner);
    this.#identity = identity;
    this.#echo = echo;
  }

  override get finalBytes(): Uint8Array | null {
    return this.#terminal;
  }

  override push(event: Buffer, output: Uint8Array[]): void {
    const chatEvents: Uint8Array[] = [];
    this.inner.push(event, chatEvents);
    if (!this.#started) {
      this.#started = true;
      const response = this.#response('in_progress');
      this.#emit(output, { type: 'response.created', response });
      this.#emit(output, { type: 'response.in_progress', response });
    }
    if (this.#terminal !== null) return;
    for (const bytes of chatEvents) {
      for (const chatEvent of this.#splitter.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))) this.#present(chatEvent, output);
    }
  }

  override end(): void {
    super.end();
    // A failed stream ends with response.failed: relayed already, or failedFrame from the pipeline.
    if (this.#terminal !== null || this.inner.failure !== null) return;
    const closing: Uint8Array[] = [];
    // A translating adapter holds the usage chunk back with its `[DONE]` (the byte copy relays it in place).
    const innerFinal = this.inner.finalBytes;
    if (innerFinal !== null) {
      for (const chatEvent of this.#splitter.push(Buffer.from(innerFinal.buffer, innerFinal.byteOffset, innerFinal.byteLength)))
        this.#present(chatEvent, closing);
      if (this.#terminal !== null) return;
    }
    this.#closeAll(closing);
    const { status, incompleteReason } = statusOfFinishReason(this.#finishReason);
    const response = this.#response(status, { incompleteReason });
    this.#emit(closing, { type: status === 'incomplete' ? 'response.incomplete' : 'response.completed', response });
    this.#terminal = Buffer.concat(closing);
  }

  /** The event that ends a stream failing after its first byte (no upstream error frame was relayed). */
  failedFrame(error: GatewayError): Uint8Array {
    const frames: Uint8Array[] = [];
    this.#emit(frames, { type: 'response.failed', response: this.#response('failed', { error }) });
    return Buffer.concat(frames);
  }

  #present(raw: Buffer, output: Uint8Array[]): void {
    const { data } = readSseEvent(raw);
    if (data === null || data === '[DONE]') return;
    const chunk = parseJsonObject<ChatChunk>(data);
    if (chunk === null) return;
    if (chunk.error !== undefined) {
      const message = typeof chunk.error?.message === 'string' ? chunk.error.message : 'The upstream provider reported an error.';
      const code = typeof chunk.error?.code === 'string' ? chunk.error.code : 'upstream_error';
      const terminal: Uint8Array[] = [];
      this.#emit(terminal, { type: 'response.failed', response: this.#response('failed', { error: { code, message } }) });
      this.#terminal = Buffer.concat(terminal);
      return;
    }
    if (chunk.usage !== undefined && chunk.usage !== null) this.#usage = convertChatUsage(chunk.usage);
    const choice = chunk.choices?.[0];
    if (choice === undefined) return;
    if (choice.finish_reason !== undefined && choice.finish_reason !== null) this.#finishReason = choice.finish_reason;
    const delta = choice.delta ?? {};
    const reasoning = typeof delta.reasoning === 'string' ? delta.reasoning : delta.reasoning_content;
    if (typeof reasoning === 'string' && reasoning !== '') this.#appendText('reasoning', reasoning, output);
    for (const text of [delta.content, delta.refusal]) {
      if (typeof text === 'string' && text !== '') this.#appendText('message', text, output);
    }
    for (const call of delta.tool_calls ?? []) {
      const index = typeof call.index === 'number' ? call.index : 0;
      let outputIndex = this.#toolItems.get(index);
      if (outputIndex === undefined) {
        this.#closeText(output);
        outputIndex = this.#output.length;
        const item: ResponsesFunctionCallItem = {
          type: 'function_call',
          id: this.#identity.itemId('fc', outputIndex),
          call_id: this.#callId(typeof call.id === 'string' ? call.id : ''),
          name: typeof call.function?.name === 'string' ? call.function.name : '',
          arguments: '',
          status: 'in_progress',
        };
        this.#output.push(item);
        this.#toolItems.set(index, outputIndex);
        this.#emit(output, { type: 'response.output_item.added', output_index: outputIndex, item });
      }
      const item = this.#output[outputIndex] as ResponsesFunctionCallItem;
      const args = call.function?.arguments;
      if (typeof args === 'string' && args !== '') {
        item.arguments += args;
        this.#emit(output, { type: 'response.function_call_arguments.delta', item_id: item.id, output_index: outputIndex, delta: args });
      }
    }
  }

  /** The first call carries the (closed) items before it; later calls keep the upstream's call id. */
  #callId(upstreamCallId: string): string {
    if (this.#toolItems.size > 0 || this.#output.length === 0) return upstreamCallId;
    const items = (this.#output as Array<ResponsesMessageItem | ResponsesReasoningItem>).map((item) => [
      item.id,
      item.type === 'message' ? selfContainedMessageId(item.content[0]?.text ?? '') : selfContainedReasoningId(item.summary[0]?.text ?? ''),
    ]);
    return carryingCallId(upstreamCallId, Object.fromEntries(items));
  }

  #appendText(kind: 'message' | 'reasoning', text: string, output: Uint8Array[]): void {
    const open = this.#openTextIndex === null ? null : (this.#output[this.#openTextIndex] as ResponsesMessageItem | ResponsesReasoningItem);
    if (open === null || open.type !== kind) {
      this.#closeText(output);
      this.#openText(kind, output);
    }
    const outputIndex = this.#openTextIndex as number;
    const item = this.#output[outputIndex] as ResponsesMessageItem | ResponsesReasoningItem;
    if (item.type === 'message') {
      (item.content[0] as { text: string }).text += text;
      this.#emit(output, { type: 'response.output_text.delta', item_id: item.id, output_index: outputIndex, content_index: 0, delta: text, logprobs: [] });
    } else {
      (item.summary[0] as { text: string }).text += text;
      this.#emit(output, { type: 'response.reasoning_summary_text.delta', item_id: item.id, output_index: outputIndex, summary_index: 0, delta: text });
    }
  }

  #openText(kind: 'message' | 'reasoning', output: Uint8Array[]): void {
    const outputIndex = this.#output.length;
    this.#openTextIndex = outputIndex;
    if (kind === 'message') {
      const item: ResponsesMessageItem = {
        type: 'message',
        id: this.#identity.itemId('msg', outputIndex),
        status: 'in_progress',
        role: 'assistant',
        content: [],
      };
      this.#output.push(item);
      this.#emit(output, { type: 'response.output_item.added', output_index: outputIndex, item });
      const part = { type: 'output_text' as const, text: '', annotations: [], logprobs: [] };
      this.#emit(output, { type: 'response.content_part.added', item_id: item.id, output_index: outputIndex, content_index: 0, part });
      item.content.push(part);
    } else {
      const item: ResponsesReasoningItem = { type: 'reasoning', id: this.#identity.itemId('rs', outputIndex), summary: [] };
      this.#output.push(item);
      this.#emit(output, { type: 'response.output_item.added', output_index: outputIndex, item });
      const part = { type: 'summary_text' as const, text: '' };
      this.#emit(output, { type: 'response.reasoning_summary_part.added', item_id: item.id, output_index: outputIndex, summary_index: 0, part });
      item.summary.push(part);
    }
  }

  #closeText(output: Uint8Array[]): void {
    if (this.#openTextIndex === null) return;
    const outputIndex = this.#openTextIndex;
    this.#openTextIndex = null;
    const item = this.#output[outputIndex] as ResponsesMessageItem | ResponsesReasoningItem;
    if (item.type === 'message') {
      const part = item.content[0]!;
      item.status = this.#itemStatus();
      this.#emit(output, { type: 'response.output_text.done', item_id: item.id, output_index: outputIndex, content_index: 0, text: part.text, logprobs: [] });
      this.#emit(output, { type: 'response.content_part.done', item_id: item.id, output_index: outputIndex, content_index: 0, part });
    } else {
      const part = item.summary[0]!;
      this.#emit(output, { type: 'response.reasoning_summary_text.done', item_id: item.id, output_index: outputIndex, summary_index: 0, text: part.text });
      this.#emit(output, { type: 'response.reasoning_summary_part.done', item_id: item.id, output_index: outputIndex, summary_index: 0, part });
    }
    this.#emit(output, { type: 'response.output_item.done', output_index: outputIndex, item });
  }

  #closeAll(output: Uint8Array[]): void {
    // An answer with nothing in it still has its (empty) message, as the non-streamed one does.
    if (this.#output.length === 0) this.#openText('message', output);
    this.#closeText(output);
    for (const outputIndex of this.#toolItems.values()) {
      const item = this.#output[outputIndex] as ResponsesFunctionCallItem;
      item.status = this.#itemStatus();
      this.#emit(output, {
        type: 'response.function_call_arguments.done',
        item_id: item.id,
        output_index: outputIndex,
        name: item.name,
        arguments: item.arguments,
      });
      this.#emit(output, { type: 'response.output_item.done', output_index: outputIndex, item });
    }
    this.#toolItems.clear();
  }

  #itemStatus(): 'completed' | 'incomplete' {
    return statusOfFinishReason(this.#finishReason).status === 'incomplete' ? 'incomplete' : 'completed';
  }

  #response(status: ResponsesStatus, extra: { incompleteReason?: string | null; error?: { code: string; message: string } } = {}) {
    const finished = status !== 'in_progress';
    return buildResponseObject(this.#identity, this.#echo, {
      status,
      output: finished ? this.#output : [],
      usage: finished ? this.#usage : null,
      incompleteReason: extra.incompleteReason ?? null,
      error: extra.error ? { code: extra.error.code, message: extra.error.message } : null,
    });
  }

  #emit(output: Uint8Array[], event: Event): void {
    const payload = { ...event, sequence_number: this.#sequence++ };
    output.push(Buffer.from(`event: ${event.type}\ndata: ${JSON.stringify(payload)}\n\n`));
  }
}
