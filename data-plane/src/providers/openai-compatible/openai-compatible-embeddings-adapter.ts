// Embeddings on OpenAI-compatible upstreams (`POST {baseUrl}/embeddings`: OpenAI, Cohere's compatibility
// API, vLLM, the simulator). The client's body is OpenAI's already, so it is forwarded with the
// endpoint's model name (encoding_format and dimensions included: the upstream encodes base64 itself),
// and the answer, OpenAI's `list`, is relayed and only read for metering. A long body read in its bytes
// gets the model spliced in, or keeps its long texts in them when serialised (splice-json-member.ts).
import type { EmbeddingsOperation } from '../provider-adapter.ts';
import { copyKeepingBytes, serialiseKeepingBytes, spliceModelInto } from '../splice-json-member.ts';
import { convertOpenAICompatibleResponse } from './convert-openai-compatible-response.ts';
import { openAICompatibleError } from './openai-compatible-error.ts';

export const openAICompatibleEmbeddingsAdapter: EmbeddingsOperation = {
  url: (baseUrl) => `${baseUrl.replace(/\/+$/, '')}/embeddings`,
  convertRequest(request, target) {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (target.apiKey !== null) headers.authorization = `Bearer ${target.apiKey}`;
    const spliced = request.source === undefined ? null : spliceModelInto(request.source, target.upstreamModel);
    if (spliced !== null) return { url: target.url, headers, body: spliced };
    const body = copyKeepingBytes(request.body);
    body.model = target.upstreamModel;
    return { url: target.url, headers, body: serialiseKeepingBytes(body, request.readInBytes === true) };
  },
  convertResponse: convertOpenAICompatibleResponse,
  convertError: openAICompatibleError,
};
