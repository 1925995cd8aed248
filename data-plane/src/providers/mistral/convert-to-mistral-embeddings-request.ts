// The client's OpenAI embeddings body → Mistral's `/embeddings`: the same `input` (text only) and
// `encoding_format`, `dimensions` as Mistral's `output_dimension`, and OpenAI's `user` left out (Mistral
// refuses fields it does not know). Any other field passes through, so Mistral's 422 names it to the client.
// A long text read in the client's bytes goes out as them (serialiseKeepingBytes).
import type { EmbeddingsRequest } from '../client-requests.ts';
import { copyKeepingBytes, serialiseKeepingBytes } from '../splice-json-member.ts';
import { embeddingTexts } from '../embeddings-input.ts';
import type { UpstreamHttpRequest, UpstreamTarget } from '../provider-adapter.ts';

export function convertToMistralEmbeddingsRequest(request: EmbeddingsRequest, target: UpstreamTarget): UpstreamHttpRequest {
  embeddingTexts(request.body, 'Mistral');
  const body: Record<string, unknown> = copyKeepingBytes(request.body);
  delete body.user;
  delete body.dimensions;
  body.model = target.upstreamModel;
  if (request.dimensions !== null) body.output_dimension = request.dimensions;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (target.apiKey !== null) headers.authorization = `Bearer ${target.apiKey}`;
  return { url: target.url, headers, body: serialiseKeepingBytes(body, request.readInBytes === true) };
}
