// What an embeddings request asks to embed, for the providers that take text only (Mistral, Gemini):
// the texts in order, or a refusal naming the provider when the client sent token arrays, which only
// OpenAI-compatible upstreams read. Read with memberOf: a long text left in the client's bytes
// (http/read-json-bytes.ts) is not built.
import { GatewayError } from '../../../shared/src/errors.ts';
import { isText, memberOf, type LongString } from '../http/read-json-bytes.ts';
import type { EmbeddingsInput } from './client-requests.ts';

export function embeddingTexts(body: { input: EmbeddingsInput }, provider: string): Array<string | LongString> {
  const input = memberOf(body, 'input');
  if (isText(input)) return [input];
  const items = input as unknown[];
  const texts: Array<string | LongString> = [];
  for (let index = 0; index < items.length; index++) {
    const item = memberOf(items, index);
    if (!isText(item)) {
      throw new GatewayError('invalid_request', `${provider} embeds text only: send 'input' as a string or an array of strings, not token arrays.`, {
        param: 'input',
      });
    }
    texts.push(item);
  }
  return texts;
}
