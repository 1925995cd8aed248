// MiniMax streams are OpenAI-compatible except for two things, so here streaming is a translation,
// not the byte copy: each event is parsed, a failing `base_resp` ends the stream as a failure, and the
// leading `<think>…</think>` of each choice's content goes to `delta.reasoning` (a splitter per choice
// keeps its state across chunks; held-back text is flushed with the choice's finish chunk). The
// rewritten event then goes through the OpenAI-compatible translator, which meters it, drops the
// usage-only chunk the client did not ask for and holds back `[DONE]`.
import { DelegatingStreamTranslator } from '../delegating-stream-translator.ts';
import type { StreamTranslator, TranslationContext } from '../provider-adapter.ts';
import { parseJsonObject, readSseEvent } from '../read-sse-event.ts';
import { minimaxBaseRespError } from './minimax-error.ts';
import { MiniMaxThinkSplitter } from './minimax-think-splitter.ts';
import { OpenAICompatibleStreamTranslator } from './openai-compatible-stream-translator.ts';

type ChunkWire = { base_resp?: unknown; choices?: unknown } & Record<string, unknown>;

function parseChunk(data: string | null): ChunkWire | null {
  return data === null ? null : parseJsonObject<ChunkWire>(data);
}

interface ChoiceWire {
  index?: unknown;
  delta?: ({ content?: unknown; reasoning?: unknown } & Record<string, unknown>) | null;
  finish_reason?: unknown;
}

export class MiniMaxStreamTranslator extends DelegatingStreamTranslator<OpenAICompatibleStreamTranslator> {
  readonly #splitters = new Map<unknown, MiniMaxThinkSplitter>();
  #failure: StreamTranslator['failure'] = null;

  constructor(context: TranslationContext) {
    super(new OpenAICompatibleStreamTranslator(context));
  }

  override get failure(): StreamTranslator['failure'] {
    return this.#failure ?? this.inner.failure;
  }

  override push(event: Buffer, output: Uint8Array[]): void {
    if (this.#failure !== null) return;
    const chunk = parseChunk(readSseEvent(event).data);
    // `[DONE]`, comments and malformed events: the OpenAI-compatible translator handles them as it would.
    if (chunk === null) return this.inner.push(event, output);
    const failure = minimaxBaseRespError(chunk.base_resp);
    if (failure !== null) {
      this.#failure = { error: failure, relayed: false };
      return;
    }
    if (!Array.isArray(chunk.choices)) return this.inner.push(event, output);
    const choices = (chunk.choices as Array<ChoiceWire | null>).map((choice) => this.#splitChoice(choice));
    this.inner.push(Buffer.from(`data: ${JSON.stringify({ ...chunk, choices })}\n\n`), output);
  }

  #splitChoice(choice: ChoiceWire | null): ChoiceWire | null {
    const delta = choice?.delta;
    if (choice === null || delta === null || delta === undefined) return choice;
    let splitter = this.#splitters.get(choice.index);
    if (splitter === undefined) {
      splitter = new MiniMaxThinkSplitter();
      this.#splitters.set(choice.index, splitter);
    }
    const split = typeof delta.content === 'string' ? splitter.push(delta.content) : { reasoning: '', content: '' };
    if (typeof choice.finish_reason === 'string') {
      const rest = splitter.flush();
      split.reasoning += rest.reasoning;
      split.content += rest.content;
    }
    if (typeof delta.content !== 'string' && split.content === '' && split.reasoning === '') return choice;
    const converted: ChoiceWire['delta'] = { ...delta, content: split.content };
    if (split.reasoning !== '') converted.reasoning = split.reasoning;
    return { ...choice, delta: converted };
  }
}
