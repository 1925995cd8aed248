// Feeds upstream bytes through a stream translator the way pipeline/relay-stream.ts does (cut into
// pieces, framed by the SSE splitter, an unfinished last event pushed, then end()) and returns what the
// client would receive: the relayed events, then the held-back final bytes.
import { readFileSync } from 'node:fs';
import type { StreamTranslator } from '../providers/provider-adapter.ts';
import { SseEventSplitter } from '../providers/split-sse-events.ts';

/** The model id a translator test's client asked for: what every answer names, whatever the upstream served. */
export const REQUESTED_MODEL = 'gateway/requested-model';

/** A recorded upstream answer, e.g. `wireFixture('anthropic', 'anthropic-text.1.sse')`. */
export function wireFixture(provider: 'anthropic' | 'gemini' | 'mistral' | 'openai-compatible', name: string): Buffer {
  return readFileSync(new URL(`../providers/${provider}/__fixtures__/${name}`, import.meta.url));
}

export interface ToolCallDeltaJson {
  index: number;
  id?: string;
  type?: string;
  function?: { name?: string; arguments?: string };
}

/** An OpenAI chat.completion.chunk as a client parses it. */
export interface ChunkJson {
  id?: unknown;
  model?: unknown;
  choices: Array<{
    index: number;
    delta: { role?: string; content?: string | null; reasoning?: string; tool_calls?: ToolCallDeltaJson[]; [field: string]: unknown };
    finish_reason: string | null;
  }>;
  usage?: Record<string, unknown> | null;
  [field: string]: unknown;
}

export interface TranslatedStream<T extends StreamTranslator> {
  translator: T;
  /** Every byte the client gets, final bytes included. */
  text: string;
  /** Each event's data, `[DONE]` included. */
  events: string[];
  /** The events parsed as JSON, `[DONE]` left out (parsed when read: a relayed malformed event may not parse). */
  readonly chunks: ChunkJson[];
}

export function translateStream<T extends StreamTranslator>(translator: T, bytes: Buffer, size = bytes.length || 1): TranslatedStream<T> {
  const splitter = new SseEventSplitter();
  const output: Uint8Array[] = [];
  for (let offset = 0; offset < bytes.length; offset += size) {
    for (const event of splitter.push(bytes.subarray(offset, offset + size))) translator.push(event, output);
  }
  const rest = splitter.rest();
  if (rest !== null) translator.push(rest, output);
  translator.end();
  if (translator.finalBytes !== null) output.push(translator.finalBytes);
  const text = Buffer.concat(output).toString('utf8');
  const events = text
    .split(/\r?\n\r?\n/)
    .filter(Boolean)
    .map((event) => event.replace(/^data: ?/, ''));
  return {
    translator,
    text,
    events,
    get chunks() {
      return events.filter((event) => event !== '[DONE]').map((event) => JSON.parse(event) as ChunkJson);
    },
  };
}

/** A streamed Responses answer's events up to its first text delta (OpenAI's order). */
export const RESPONSES_TEXT_OPENING = [
  'response.created',
  'response.in_progress',
  'response.output_item.added',
  'response.content_part.added',
  'response.output_text.delta',
] as const;

/** The events that close a Responses text item, after its last delta. */
export const RESPONSES_TEXT_CLOSING = ['response.output_text.done', 'response.content_part.done', 'response.output_item.done'] as const;
