// Gemini's `alt=sse` stream (wire-formats.md §2.6) → OpenAI chat.completion.chunk events (§2.1). Every
// event is a whole GenerateContentResponse holding deltas:
//   first event of a candidate   → the role chunk (`delta: {role, content: ""}`) for its choice
//   text / thought parts         → `delta.content` / `delta.reasoning`
//   functionCall (always whole)  → one `delta.tool_calls[{index, id, type, function{name, arguments}}]`
//                                  (plus the thought signature, see to-openai-tool-call.ts)
//   finishReason                 → the finish chunk (`tool_calls` when the candidate called functions)
//   usageMetadata                → kept; later events overwrite (earlier ones are partial)
//   promptFeedback.blockReason   → an empty `content_filter` answer
//   `error` object, bad JSON     → `failure` (the pipeline sends the final error frame)
// There is no terminator: the stream just ends. `end()` then holds back the usage-only chunk (when the
// client asked) and `data: [DONE]`; a stream that ends before every candidate finished is a failure.
import { GatewayError } from '../../../../shared/src/errors.ts';
import type { StreamTranslator, TranslationContext, UnifiedUsage } from '../provider-adapter.ts';
import { parseJsonObject, readSseEvent } from '../read-sse-event.ts';
import { toOpenAIUsage } from '../to-openai-usage.ts';
import { convertGeminiUsage } from './convert-gemini-usage.ts';
import { geminiErrorFrom } from './gemini-error.ts';
import type { GeminiCandidateWire, GeminiResponseWire } from './gemini-wire.ts';
import { mapGeminiFinishReason } from './map-gemini-finish-reason.ts';
import { readGeminiParts } from './read-gemini-parts.ts';
import { toOpenAIToolCall } from './to-openai-tool-call.ts';

const DONE = Buffer.from('data: [DONE]\n\n');

interface ChoiceState {
  toolCalls: number;
  finished: boolean;
}

export class GeminiStreamTranslator implements StreamTranslator {
  usage: UnifiedUsage | null = null;
  finishReason: string | null = null;
  servedModel: string | null = null;
  finalBytes: Uint8Array | null = null;
  failure: StreamTranslator['failure'] = null;
  readonly #context: TranslationContext;
  #id = 'gemini_unknown';
  /** Candidate index → its choice's progress. */
  #choices = new Map<number, ChoiceState>();
  #stopped = false;

  constructor(context: TranslationContext) {
    this.#context = context;
  }

  push(event: Buffer, output: Uint8Array[]): void {
    if (this.#stopped) return;
    const { data } = readSseEvent(event);
    if (data === null) return;
    const payload = parseJsonObject<GeminiResponseWire>(data);
    if (payload === null) {
      this.#fail(new GatewayError('upstream_error', 'The upstream provider sent a malformed stream event.'));
      return;
    }
    if (payload.error !== null && typeof payload.error === 'object') {
      this.#fail(geminiErrorFrom(typeof payload.error.code === 'number' ? payload.error.code : 500, payload.error));
      return;
    }
    if (typeof payload.responseId === 'string') this.#id = payload.responseId;
    if (typeof payload.modelVersion === 'string') this.servedModel = payload.modelVersion;
    const usage = convertGeminiUsage(payload.usageMetadata);
    if (usage !== null) this.usage = usage;
    if (Array.isArray(payload.candidates)) {
      (payload.candidates as Array<GeminiCandidateWire | null>).forEach((candidate, position) => this.#onCandidate(candidate, position, output));
    } else if (payload.promptFeedback?.blockReason !== undefined) {
      this.#choice(0, output);
      this.#finish(0, 'content_filter', output);
    }
  }

  end(): void {
    if (this.#stopped) return;
    const unfinished = this.#choices.size === 0 || [...this.#choices.values()].some((choice) => !choice.finished);
    if (unfinished) {
      this.#fail(new GatewayError('upstream_error', 'The upstream stream ended before the response was complete.'));
      return;
    }
    this.#stopped = true;
    this.finalBytes = this.#context.clientWantsUsage && this.usage !== null ? Buffer.concat([this.#usageChunk(this.usage), DONE]) : DONE;
  }

  #onCandidate(candidate: GeminiCandidateWire | null, position: number, output: Uint8Array[]): void {
    const index = typeof candidate?.index === 'number' ? candidate.index : position;
    const choice = this.#choice(index, output);
    const { text, reasoning, toolCalls } = readGeminiParts(candidate?.content?.parts, choice.toolCalls);
    if (reasoning !== '') this.#text(index, reasoning, 'reasoning', output);
    if (text !== '') this.#text(index, text, 'content', output);
    for (const call of toolCalls) {
      const delta = { index: choice.toolCalls, ...toOpenAIToolCall(call) };
      choice.toolCalls += 1;
      output.push(this.#chunk(index, { tool_calls: [delta] }, null));
    }
    if (candidate?.finishReason !== undefined && candidate.finishReason !== null) {
      this.#finish(index, mapGeminiFinishReason(candidate.finishReason, choice.toolCalls > 0), output);
    }
  }

  /** The choice's state; its role chunk goes out the first time it is seen. */
  #choice(index: number, output: Uint8Array[]): ChoiceState {
    let choice = this.#choices.get(index);
    if (choice === undefined) {
      choice = { toolCalls: 0, finished: false };
      this.#choices.set(index, choice);
      output.push(this.#chunk(index, { role: 'assistant', content: '' }, null));
    }
    return choice;
  }

  #finish(index: number, finishReason: string, output: Uint8Array[]): void {
    const choice = this.#choices.get(index)!;
    if (choice.finished) return;
    choice.finished = true;
    if (index === 0) this.finishReason = finishReason;
    output.push(this.#chunk(index, {}, finishReason));
  }

  #text(index: number, text: string, field: 'content' | 'reasoning', output: Uint8Array[]): void {
    output.push(this.#chunk(index, { [field]: text }, null));
  }

  #fail(error: GatewayError): void {
    this.failure = { error, relayed: false };
    this.#stopped = true;
  }

  #chunk(index: number, delta: object, finishReason: string | null): Buffer {
    const chunk = {
      id: this.#id,
      object: 'chat.completion.chunk',
      created: this.#context.created,
      model: this.servedModel,
      choices: [{ index, delta, finish_reason: finishReason, logprobs: null }],
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
