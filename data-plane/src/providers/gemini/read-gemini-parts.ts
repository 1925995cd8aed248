// One candidate's `content.parts` → what an OpenAI client reads: answer text, thought summaries
// (`thought: true`, sent as `reasoning`) and function calls (arguments as a JSON string). Gemini gives
// most calls no id, so they are numbered `call_<n>` in order within the candidate: stable for the same
// answer, streamed or not. A call's `thoughtSignature` is kept: thinking models (Gemini 3) refuse a
// later turn whose function calls lack it. Other parts (signatures alone, executable code) are skipped.
import type { GeminiPartWire } from './gemini-wire.ts';

export interface GeminiToolCall {
  id: string;
  name: string;
  arguments: string;
  thoughtSignature: string | null;
}

export interface GeminiParts {
  text: string;
  reasoning: string;
  toolCalls: GeminiToolCall[];
}

/** `firstToolCallIndex`: calls this candidate already made earlier in the stream. */
export function readGeminiParts(parts: unknown, firstToolCallIndex = 0): GeminiParts {
  const result: GeminiParts = { text: '', reasoning: '', toolCalls: [] };
  if (!Array.isArray(parts)) return result;
  for (const part of parts as Array<GeminiPartWire | null>) {
    if (part === null || typeof part !== 'object') continue;
    if (typeof part.text === 'string') {
      if (part.thought === true) result.reasoning += part.text;
      else result.text += part.text;
    } else if (part.functionCall !== null && typeof part.functionCall === 'object' && typeof part.functionCall.name === 'string') {
      const { id, name, args } = part.functionCall;
      const index = firstToolCallIndex + result.toolCalls.length;
      const thoughtSignature = typeof part.thoughtSignature === 'string' ? part.thoughtSignature : null;
      result.toolCalls.push({ id: typeof id === 'string' && id !== '' ? id : `call_${index}`, name, arguments: JSON.stringify(args ?? {}), thoughtSignature });
    }
  }
  return result;
}
