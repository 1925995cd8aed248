// Mistral message content → OpenAI's string `content` plus a `reasoning` string. Content is usually a
// string; reasoning models (Magistral) send chunks instead: `{type: "text", text}` and
// `{type: "thinking", thinking: [{type: "text", text}]}`, which OpenAI clients cannot read.
import type { MistralContentChunkWire } from './mistral-wire.ts';

export interface MistralContent {
  /** Null when the upstream sent none (e.g. a tool-call-only turn). */
  content: string | null;
  reasoning: string | null;
}

function thinkingText(thinking: unknown): string {
  if (typeof thinking === 'string') return thinking;
  if (!Array.isArray(thinking)) return '';
  return (thinking as MistralContentChunkWire[]).map((part) => (typeof part?.text === 'string' ? part.text : '')).join('');
}

export function readMistralContent(raw: unknown): MistralContent {
  if (typeof raw === 'string') return { content: raw, reasoning: null };
  if (!Array.isArray(raw)) return { content: null, reasoning: null };
  let content = '';
  let reasoning: string | null = null;
  for (const chunk of raw as Array<MistralContentChunkWire | null>) {
    if (chunk?.type === 'text' && typeof chunk.text === 'string') content += chunk.text;
    else if (chunk?.type === 'thinking') reasoning = (reasoning ?? '') + thinkingText(chunk.thinking);
  }
  return { content, reasoning };
}
