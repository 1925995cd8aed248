// Wiring only: Gemini embeddings through `batchEmbedContents` (the per-snapshot URL stops at `/models`,
// like chat's; the request converter appends `/{model}:batchEmbedContents`).
import type { EmbeddingsOperation } from '../provider-adapter.ts';
import { convertGeminiEmbeddingsResponse } from './convert-gemini-embeddings-response.ts';
import { convertToGeminiEmbeddingsRequest } from './convert-to-gemini-embeddings-request.ts';
import { geminiError } from './gemini-error.ts';

export const geminiEmbeddingsAdapter: EmbeddingsOperation = {
  url: (baseUrl) => `${baseUrl.replace(/\/+$/, '')}/models`,
  convertRequest: convertToGeminiEmbeddingsRequest,
  convertResponse: convertGeminiEmbeddingsResponse,
  convertError: geminiError,
};
