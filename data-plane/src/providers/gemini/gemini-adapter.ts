// Wiring only: the native Google Gemini (generativelanguage) adapter. The model is part of the URL, so
// the per-snapshot URL stops at `/models`; convertToGeminiRequest appends `/{model}:{method}`.
import type { ProviderAdapter } from '../provider-adapter.ts';
import { convertGeminiResponse } from './convert-gemini-response.ts';
import { convertToGeminiRequest } from './convert-to-gemini-request.ts';
import { geminiEmbeddingsAdapter } from './gemini-embeddings-adapter.ts';
import { geminiError } from './gemini-error.ts';
import { GeminiStreamTranslator } from './gemini-stream-translator.ts';

export const geminiAdapter: ProviderAdapter = {
  kind: 'gemini',
  chatUrl: (baseUrl) => `${baseUrl.replace(/\/+$/, '')}/models`,
  convertRequest: convertToGeminiRequest,
  convertResponse: convertGeminiResponse,
  createStreamTranslator: (context) => new GeminiStreamTranslator(context),
  convertError: geminiError,
  embeddings: geminiEmbeddingsAdapter,
};
