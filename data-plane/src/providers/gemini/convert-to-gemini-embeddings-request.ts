// The client's OpenAI embeddings body → Gemini's `models/{model}:batchEmbedContents`: one request per
// text, each naming the model, `dimensions` as `outputDimensionality`. Token arrays cannot be expressed.
// A long text read in the client's bytes goes out as them (serialiseKeepingBytes).
import { withText } from '../../http/read-json-bytes.ts';
import type { EmbeddingsRequest } from '../client-requests.ts';
import { serialiseKeepingBytes } from '../splice-json-member.ts';
import { embeddingTexts } from '../embeddings-input.ts';
import type { UpstreamHttpRequest, UpstreamTarget } from '../provider-adapter.ts';
import { modelPath } from './convert-to-gemini-request.ts';

export function convertToGeminiEmbeddingsRequest(request: EmbeddingsRequest, target: UpstreamTarget): UpstreamHttpRequest {
  const model = `models/${target.upstreamModel.replace(/^models\//, '')}`;
  const requests = embeddingTexts(request.body, 'Gemini').map((text) => ({
    model,
    content: { parts: [withText({}, 'text', text)] },
    ...(request.dimensions === null ? {} : { outputDimensionality: request.dimensions }),
  }));
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (target.apiKey !== null) headers['x-goog-api-key'] = target.apiKey;
  return {
    url: `${target.url}/${modelPath(target.upstreamModel)}:batchEmbedContents`,
    headers,
    body: serialiseKeepingBytes({ requests }, request.readInBytes === true),
  };
}
