// What an embeddings request asks to embed, for the providers that take text only (Mistral, Gemini):
// the texts in order, or a refusal naming the provider when the client sent token arrays, which only
// OpenAI-compatible upstreams read.
import { GatewayError } from '../../../shared/src/errors.ts';
import type { EmbeddingsInput } from './client-requests.ts';

export function embeddingTexts(input: EmbeddingsInput, provider: string): string[] {
  if (typeof input === 'string') return [input];
  const texts = input.filter((item): item is string => typeof item === 'string');
  if (texts.length === input.length) return texts;
  throw new GatewayError('invalid_request', `${provider} embeds text only: send 'input' as a string or an array of strings, not token arrays.`, {
    param: 'input',
  });
}
