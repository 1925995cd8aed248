// The client's chat body → the upstream's: the public model id is replaced by the endpoint's upstream
// model name, and a streamed request always asks for usage (the gateway meters from it; the
// usage-only chunk is dropped again when the client did not ask for it). Everything else passes through:
// the client's own body with the model spliced in when it can be (a long prompt is not serialised again).
import type { ChatRequest } from '../client-requests.ts';
import type { UpstreamBody, UpstreamHttpRequest, UpstreamTarget } from '../provider-adapter.ts';
import { serialiseKeepingBytes, spliceModelInto } from '../splice-json-member.ts';

const STREAM_USAGE_MEMBER = { key: 'stream_options', value: '{"include_usage":true}' };

export function convertToOpenAICompatibleRequest(chat: ChatRequest, target: UpstreamTarget): UpstreamHttpRequest {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (target.apiKey !== null) headers.authorization = `Bearer ${target.apiKey}`;
  const spliced = spliceSource(chat, target.upstreamModel);
  if (spliced !== null) return { url: target.url, headers, body: spliced };
  const body: Record<string, unknown> = { ...chat.body, model: target.upstreamModel };
  if (chat.stream) {
    const clientOptions = chat.body.stream_options;
    body.stream_options = {
      ...(clientOptions !== null && typeof clientOptions === 'object' ? clientOptions : {}),
      include_usage: true,
    };
  }
  // A body a front door translated still holds a long prompt in the client's bytes: it goes out as they are.
  return { url: target.url, headers, body: serialiseKeepingBytes(body, chat.readInBytes === true) };
}

function spliceSource(chat: ChatRequest, model: string): UpstreamBody | null {
  const source = chat.source;
  if (source === undefined) return null;
  const addMember = chat.stream ? STREAM_USAGE_MEMBER : undefined;
  return spliceModelInto(source, model, addMember);
}
