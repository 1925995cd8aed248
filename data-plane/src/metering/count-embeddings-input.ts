// Input tokens of an embeddings request, counted when the upstream reports none (Gemini), and bounded
// before the call for the spend reservation: text through the one tokenizer (count-tokens.ts) or its
// byte-count bound (a token covers at least one byte), token arrays by their length.
import type { EmbeddingsInput } from '../providers/client-requests.ts';
import { countTokens } from './count-tokens.ts';

export function countEmbeddingsInputTokens(input: EmbeddingsInput): number {
  return sumOverItems(input, countTokens);
}

export function embeddingsInputTokensUpperBound(input: EmbeddingsInput): number {
  return sumOverItems(input, (text) => Buffer.byteLength(text));
}

function sumOverItems(input: EmbeddingsInput, countText: (text: string) => number): number {
  if (typeof input === 'string') return countText(input);
  let tokens = 0;
  for (const item of input) tokens += typeof item === 'string' ? countText(item) : Array.isArray(item) ? item.length : 1;
  return tokens;
}
