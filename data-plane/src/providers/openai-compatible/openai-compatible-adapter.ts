// Wiring only: the OpenAI-compatible adapter (OpenAI, OpenRouter, vLLM, the simulator, …): chat and embeddings.
import type { ProviderAdapter } from '../provider-adapter.ts';
import { convertOpenAICompatibleResponse } from './convert-openai-compatible-response.ts';
import { convertToOpenAICompatibleRequest } from './convert-to-openai-compatible-request.ts';
import { openAICompatibleEmbeddingsAdapter } from './openai-compatible-embeddings-adapter.ts';
import { openAICompatibleError } from './openai-compatible-error.ts';
import { OpenAICompatibleStreamTranslator } from './openai-compatible-stream-translator.ts';

export const openAICompatibleAdapter: ProviderAdapter = {
  kind: 'openai-compatible',
  chatUrl: (baseUrl) => `${baseUrl.replace(/\/+$/, '')}/chat/completions`,
  convertRequest: convertToOpenAICompatibleRequest,
  convertResponse: convertOpenAICompatibleResponse,
  createStreamTranslator: (context) => new OpenAICompatibleStreamTranslator(context),
  convertError: openAICompatibleError,
  embeddings: openAICompatibleEmbeddingsAdapter,
};
