// The one place a client's Anthropic Messages body is checked (wire-formats.md §2.5): valid JSON, an
// object, a string `model`, a positive integer `max_tokens` (optional for count_tokens), a non-empty
// `messages` array of user and assistant turns whose content is a string or an array of blocks. Only
// cheap structural checks: the native path hands the body to Anthropic as it came, and the translation
// checks the blocks it reads. A long body is read in its bytes (http/read-json-bytes.ts): the checks read
// its long strings' measurements, and the native path splices the model into the client's bytes.
import { GatewayError } from '../../../../shared/src/errors.ts';
import { readDoorBody, requireModel } from '../../pipeline/read-request-body.ts';
import { asBuffer } from '../../http/decode-text.ts';
import { isText, memberOf } from '../../http/read-json-bytes.ts';
import type { JsonSource } from '../../providers/splice-json-member.ts';

export interface MessagesRequest {
  /** The parsed body, kept whole for the native path. */
  body: Record<string, unknown> & { model: string; max_tokens?: number; messages: unknown[] };
  model: string;
  stream: boolean;
  /**
   * The client's bytes, when the body was read in them and `body` still says exactly what they say
   * (unset for a short body, or once a step changed the body): the native path splices the model in.
   */
  source?: JsonSource;
  /** As ChatRequest's: the body was read in its bytes, so a serialised body keeps long strings still in them. */
  readInBytes?: boolean;
}

function invalid(message: string, param: string | null = null): GatewayError {
  return new GatewayError('invalid_request', message, { param });
}

export function parseMessagesRequest(raw: Uint8Array, endpoint: 'messages' | 'count_tokens' = 'messages'): MessagesRequest {
  const { record, source } = readDoorBody(asBuffer(raw));
  const model = requireModel(record);
  const maxTokens = record.max_tokens;
  const maxTokensValid = typeof maxTokens === 'number' && Number.isInteger(maxTokens) && maxTokens >= 1;
  if (!maxTokensValid && (endpoint === 'messages' || maxTokens !== undefined)) {
    throw invalid("'max_tokens' is required and must be a positive integer.", 'max_tokens');
  }
  if (!Array.isArray(record.messages) || record.messages.length === 0) throw invalid("'messages' must be a non-empty array.", 'messages');
  record.messages.forEach(checkMessage);
  if (record.stream !== undefined && record.stream !== null && typeof record.stream !== 'boolean') throw invalid("'stream' must be a boolean.", 'stream');
  return { body: record as MessagesRequest['body'], model, stream: record.stream === true, ...(source === undefined ? {} : { source, readInBytes: true }) };
}

function checkMessage(message: unknown, index: number): void {
  const param = `messages.${index}`;
  if (message === null || typeof message !== 'object' || Array.isArray(message)) throw invalid(`'${param}' must be an object.`, param);
  const role = (message as Record<string, unknown>).role;
  // Read without building a long prompt's text.
  const content = memberOf(message, 'content');
  if (role !== 'user' && role !== 'assistant') throw invalid(`'${param}.role' must be 'user' or 'assistant'.`, `${param}.role`);
  if (!isText(content) && !Array.isArray(content)) {
    throw invalid(`'${param}.content' must be a string or an array of content blocks.`, `${param}.content`);
  }
}
