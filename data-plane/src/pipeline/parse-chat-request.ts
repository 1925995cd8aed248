// The one place a client's chat body is checked: valid JSON, an object, a string `model`, a non-empty
// `messages` array. Only cheap checks here; the upstream validates the rest.
import { GatewayError } from '../../../shared/src/errors.ts';

export interface ChatRequest {
  /** The parsed body; forwarded to the upstream with `model` (and stream_options) replaced. */
  body: Record<string, unknown> & { model: string; messages: unknown[] };
  model: string;
  stream: boolean;
  /** The client itself asked for the usage-only chunk (`stream_options.include_usage`). */
  clientWantsStreamUsage: boolean;
}

export function parseChatRequest(raw: Uint8Array): ChatRequest {
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8'));
  } catch {
    throw new GatewayError('invalid_json', 'We could not parse the JSON body of your request.');
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new GatewayError('invalid_request', 'The request body must be a JSON object.');
  }
  const record = body as Record<string, unknown>;
  if (typeof record.model !== 'string' || record.model === '') {
    throw new GatewayError('invalid_request', "'model' is required and must be a string.", { param: 'model' });
  }
  if (!Array.isArray(record.messages) || record.messages.length === 0) {
    throw new GatewayError('invalid_request', "'messages' must be a non-empty array.", { param: 'messages' });
  }
  if (record.stream !== undefined && record.stream !== null && typeof record.stream !== 'boolean') {
    throw new GatewayError('invalid_request', "'stream' must be a boolean.", { param: 'stream' });
  }
  const streamOptions = record.stream_options;
  const clientWantsStreamUsage =
    streamOptions !== null && typeof streamOptions === 'object' && (streamOptions as Record<string, unknown>).include_usage === true;
  return {
    body: record as ChatRequest['body'],
    model: record.model,
    stream: record.stream === true,
    clientWantsStreamUsage,
  };
}
