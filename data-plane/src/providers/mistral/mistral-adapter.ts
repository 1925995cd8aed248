// Wiring only: the native Mistral adapter: chat (OpenAI-shaped, with Mistral's differences), Codestral FIM and embeddings.
import type { ProviderAdapter } from '../provider-adapter.ts';
import { convertMistralResponse } from './convert-mistral-response.ts';
import { convertToMistralRequest } from './convert-to-mistral-request.ts';
import { mistralEmbeddingsAdapter } from './mistral-embeddings-adapter.ts';
import { mistralError } from './mistral-error.ts';
import { mistralFimAdapter } from './mistral-fim-adapter.ts';
import { MistralStreamTranslator } from './mistral-stream-translator.ts';

export const mistralAdapter: ProviderAdapter = {
  kind: 'mistral',
  chatUrl: (baseUrl) => `${baseUrl.replace(/\/+$/, '')}/chat/completions`,
  convertRequest: convertToMistralRequest,
  convertResponse: convertMistralResponse,
  createStreamTranslator: (context) => new MistralStreamTranslator(context),
  convertError: mistralError,
  fim: mistralFimAdapter,
  embeddings: mistralEmbeddingsAdapter,
};
