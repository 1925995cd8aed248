// The client's FIM body → Codestral's `/fim/completions`: the public model id is replaced by the
// endpoint's upstream model name and `stream` is always sent (Mistral's own SDK does); everything else
// passes through, since the client already speaks Mistral's FIM format. Mistral streams report usage
// on their last chunk unasked, so no `stream_options` is added (Mistral would reject it).
import type { FimRequest } from '../client-requests.ts';
import type { UpstreamHttpRequest, UpstreamTarget } from '../provider-adapter.ts';

export function convertToMistralFimRequest(fim: FimRequest, target: UpstreamTarget): UpstreamHttpRequest {
  const body = { ...fim.body, model: target.upstreamModel, stream: fim.stream };
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (target.apiKey !== null) headers.authorization = `Bearer ${target.apiKey}`;
  return { url: target.url, headers, body: JSON.stringify(body) };
}
