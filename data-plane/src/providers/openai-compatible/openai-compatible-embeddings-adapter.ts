// Embeddings on OpenAI-compatible upstreams (`POST {baseUrl}/embeddings`: OpenAI, Cohere's compatibility
// API, vLLM, the simulator). The client's body is OpenAI's already, so it is forwarded with the
// endpoint's model name (encoding_format and dimensions included: the upstream encodes base64 itself),
// and the answer, OpenAI's `list`, is relayed and only read for metering.
import type { EmbeddingsOperation } from '../provider-adapter.ts';
import { convertOpenAICompatibleResponse } from './convert-openai-compatible-response.ts';
import { openAICompatibleError } from './openai-compatible-error.ts';

export const openAICompatibleEmbeddingsAdapter: EmbeddingsOperation = {
  url: (baseUrl) => `${baseUrl.replace(/\/+$/, '')}/embeddings`,
  convertRequest(request, target) {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (target.apiKey !== null) headers.authorization = `Bearer ${target.apiKey}`;
    return { url: target.url, headers, body: JSON.stringify({ ...request.body, model: target.upstreamModel }) };
  },
  convertResponse: convertOpenAICompatibleResponse,
  convertError: openAICompatibleError,
};
