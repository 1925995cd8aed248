// Wiring only: Mistral embeddings (`POST {baseUrl}/embeddings`, mistral-embed, codestral-embed). The
// answer is OpenAI's `list` shape already (plus an `id`), relayed and read for metering.
import { convertOpenAICompatibleResponse } from '../openai-compatible/convert-openai-compatible-response.ts';
import type { EmbeddingsOperation } from '../provider-adapter.ts';
import { convertToMistralEmbeddingsRequest } from './convert-to-mistral-embeddings-request.ts';
import { mistralError } from './mistral-error.ts';

export const mistralEmbeddingsAdapter: EmbeddingsOperation = {
  url: (baseUrl) => `${baseUrl.replace(/\/+$/, '')}/embeddings`,
  convertRequest: convertToMistralEmbeddingsRequest,
  convertResponse: convertOpenAICompatibleResponse,
  convertError: mistralError,
};
