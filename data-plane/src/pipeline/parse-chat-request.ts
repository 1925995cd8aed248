// The one place a client's chat body is checked: valid JSON, an object, a string `model`, a non-empty
// `messages` array of well-formed messages. Only cheap structural checks here (every adapter relies on
// them); the upstream validates the rest.
import { GatewayError } from '../../../shared/src/errors.ts';
import { readRequestBody, requireModel } from './read-request-body.ts';
import type { ChatRequest } from '../providers/client-requests.ts';
import { asBuffer } from '../http/decode-text.ts';
import { isText, memberOf } from '../http/read-json-bytes.ts';

export function parseChatRequest(raw: Uint8Array): ChatRequest {
  const { record, source } = readRequestBody(asBuffer(raw));
  const model = requireModel(record);
  if (!Array.isArray(record.messages) || record.messages.length === 0) {
    throw new GatewayError('invalid_request', "'messages' must be a non-empty array.", { param: 'messages' });
  }
  record.messages.forEach(checkMessage);
  if (record.stream !== undefined && record.stream !== null && typeof record.stream !== 'boolean') {
    throw new GatewayError('invalid_request', "'stream' must be a boolean.", { param: 'stream' });
  }
  const streamOptions = record.stream_options;
  const clientWantsStreamUsage =
    streamOptions !== null && typeof streamOptions === 'object' && (streamOptions as Record<string, unknown>).include_usage === true;
  return {
    body: record as ChatRequest['body'],
    model,
    stream: record.stream === true,
    clientWantsStreamUsage,
    source,
    readInBytes: source.text === null,
  };
}

const MESSAGE_ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool', 'function']);

function checkMessage(message: unknown, index: number): void {
  const param = `messages[${index}]`;
  if (message === null || typeof message !== 'object' || Array.isArray(message)) {
    throw new GatewayError('invalid_request', `'${param}' must be an object.`, { param });
  }
  const role = (message as Record<string, unknown>).role;
  // Read without building a long prompt's text (read-json-bytes.ts).
  const content = memberOf(message, 'content');
  if (typeof role !== 'string' || !MESSAGE_ROLES.has(role)) {
    throw new GatewayError('invalid_request', `'${param}.role' must be one of ${[...MESSAGE_ROLES].join(', ')}.`, { param: `${param}.role` });
  }
  // Only an assistant turn may leave content out (it then carries tool calls).
  const contentOptional = role === 'assistant' && (content === undefined || content === null);
  if (!contentOptional && !isText(content) && !Array.isArray(content)) {
    throw new GatewayError('invalid_request', `'${param}.content' must be a string or an array of content parts.`, { param: `${param}.content` });
  }
  if (role === 'tool' && typeof (message as Record<string, unknown>).tool_call_id !== 'string') {
    throw new GatewayError('invalid_request', `'${param}.tool_call_id' is required for tool messages.`, { param: `${param}.tool_call_id` });
  }
}
