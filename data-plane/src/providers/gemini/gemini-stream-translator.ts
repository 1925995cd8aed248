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
import { ChunkStreamTranslator } from '../chunk-stream-translator.ts';
import type { TranslationContext } from '../provider-adapter.ts';
import { convertGeminiUsage } from './convert-gemini-usage.ts';
import { geminiErrorFrom } from './gemini-error.ts';
import type { GeminiCandidateWire, GeminiResponseWire } from './gemini-wire.ts';
import { mapGeminiFinishReason } from './map-gemini-finish-reason.ts';
import { readGeminiParts } from './read-gemini-parts.ts';
import { toOpenAIToolCall } from './to-openai-tool-call.ts';

interface ChoiceState {
  toolCalls: number;
  finished: boolean;
}

export class GeminiStreamTranslator extends ChunkStreamTranslator<GeminiResponseWire> {
  protected override readonly cutShortMessage = 'The upstream stream ended before the response was complete.';
  /** Candidate index → its choice's progress. */
  #choices = new Map<number, ChoiceState>();

  constructor(context: TranslationContext) {
    super(context, 'gemini_unknown');
  }

  protected translate(payload: GeminiResponseWire, output: Uint8Array[]): void {
    if (payload.error !== null && typeof payload.error === 'object') {
      return this.fail(geminiErrorFrom(typeof payload.error.code === 'number' ? payload.error.code : 500, payload.error));
    }
    if (typeof payload.responseId === 'string') this.id = payload.responseId;
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

  /** Gemini has no terminator: the stream is whole when every candidate it started has finished. */
  protected isComplete(): boolean {
    return this.#choices.size > 0 && [...this.#choices.values()].every((choice) => choice.finished);
  }

  #onCandidate(candidate: GeminiCandidateWire | null, position: number, output: Uint8Array[]): void {
    const index = typeof candidate?.index === 'number' ? candidate.index : position;
    const choice = this.#choice(index, output);
    const { text, reasoning, toolCalls } = readGeminiParts(candidate?.content?.parts, choice.toolCalls);
    if (reasoning !== '') output.push(this.choiceChunk(index, { reasoning }, null));
    if (text !== '') output.push(this.choiceChunk(index, { content: text }, null));
    for (const call of toolCalls) {
      const delta = { index: choice.toolCalls, ...toOpenAIToolCall(call) };
      choice.toolCalls += 1;
      output.push(this.choiceChunk(index, { tool_calls: [delta] }, null));
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
      output.push(this.choiceChunk(index, { role: 'assistant', content: '' }, null));
    }
    return choice;
  }

  #finish(index: number, finishReason: string, output: Uint8Array[]): void {
    const choice = this.#choices.get(index)!;
    if (choice.finished) return;
    choice.finished = true;
    if (index === 0) this.finishReason = finishReason;
    output.push(this.choiceChunk(index, {}, finishReason));
  }
}
