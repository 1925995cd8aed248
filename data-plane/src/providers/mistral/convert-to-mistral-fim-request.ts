// The client's FIM body → Codestral's `/fim/completions`: the public model id is replaced by the
// endpoint's upstream model name and `stream` is always sent (Mistral's own SDK does); everything else
// passes through, since the client already speaks Mistral's FIM format. Mistral streams report usage
// on their last chunk unasked, so no `stream_options` is added (Mistral would reject it). A long body
// read in its bytes gets the model spliced into them (and `stream` added when absent), not serialised again.
import type { FimRequest } from '../client-requests.ts';
import type { UpstreamBody, UpstreamHttpRequest, UpstreamTarget } from '../provider-adapter.ts';
import { spliceModelInto } from '../splice-json-member.ts';

export function convertToMistralFimRequest(fim: FimRequest, target: UpstreamTarget): UpstreamHttpRequest {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (target.apiKey !== null) headers.authorization = `Bearer ${target.apiKey}`;
  return { url: target.url, headers, body: upstreamBody(fim, target.upstreamModel) };
}

function upstreamBody(fim: FimRequest, model: string): UpstreamBody {
  return splicedBody(fim, model) ?? JSON.stringify({ ...fim.body, model, stream: fim.stream });
}

/** The client's bytes with the model spliced in and `stream` added when absent; null when the body is serialised instead. */
function splicedBody(fim: FimRequest, model: string): UpstreamBody | null {
  if (fim.source === undefined) return null;
  // A boolean `stream` the client sent stays where it is, as it does in the serialised body.
  if (typeof fim.body.stream === 'boolean') return spliceModelInto(fim.source, model);
  // Any other `stream` is replaced, which only serialising does.
  if ('stream' in fim.body) return null;
  return spliceModelInto(fim.source, model, { key: 'stream', value: 'false' });
}
