// Input tokens of an embeddings request, counted when the upstream reports none (Gemini), and bounded
// before the call for the spend reservation: text through the one tokenizer (count-tokens.ts) or its
// byte-count bound (a token covers at least one byte), token arrays by their length. Texts are read
// with memberOf: a long one left in the client's bytes (http/read-json-bytes.ts) is measured for the
// bound, not built.
import type { EmbeddingsInput } from '../providers/client-requests.ts';
import { isText, memberOf, textOf, utf8LengthOf, type LongString } from '../http/read-json-bytes.ts';
import { countTokens } from './count-tokens.ts';

export function countEmbeddingsInputTokens(body: { input: EmbeddingsInput }): number {
  return sumOverItems(body, (text) => countTokens(textOf(text)));
}

export function embeddingsInputTokensUpperBound(body: { input: EmbeddingsInput }): number {
  return sumOverItems(body, utf8LengthOf);
}

function sumOverItems(body: { input: EmbeddingsInput }, countText: (text: string | LongString) => number): number {
  const input = memberOf(body, 'input');
  if (isText(input)) return countText(input);
  const items = input as unknown[];
  let tokens = 0;
  for (let index = 0; index < items.length; index++) {
    const item = memberOf(items, index);
    tokens += isText(item) ? countText(item) : Array.isArray(item) ? item.length : 1;
  }
  return tokens;
}
