// The one place a client's embeddings body (OpenAI's `POST /embeddings`) is checked: valid JSON, an
// object, a string `model`, an `input` of one of OpenAI's four shapes (a string, an array of strings, an
// array of token ids, an array of such arrays; none empty), `encoding_format` float or base64 (default
// float), `dimensions` a positive integer. Other fields (`user`, a provider's own) are forwarded.
// OpenAI's limit of 2048 inputs per request is kept, so a request fails alike on every provider.
import { GatewayError } from '../../../shared/src/errors.ts';
import { decodeText } from '../http/decode-text.ts';
import type { EmbeddingsInput, EmbeddingsRequest } from '../providers/client-requests.ts';
import { readJsonObject, requireModel } from './read-request-body.ts';

export const MAX_EMBEDDINGS_INPUTS = 2048;

export function parseEmbeddingsRequest(raw: Uint8Array): EmbeddingsRequest {
  const record = readJsonObject(decodeText(raw));
  const model = requireModel(record);
  const input = readInput(record.input);
  const encodingFormat = record.encoding_format ?? 'float';
  if (encodingFormat !== 'float' && encodingFormat !== 'base64') {
    throw new GatewayError('invalid_request', "'encoding_format' must be 'float' or 'base64'.", { param: 'encoding_format' });
  }
  const dimensions = record.dimensions ?? null;
  if (dimensions !== null && !(Number.isSafeInteger(dimensions) && (dimensions as number) > 0)) {
    throw new GatewayError('invalid_request', "'dimensions' must be a positive integer.", { param: 'dimensions' });
  }
  if (record.stream === true) throw new GatewayError('invalid_request', 'Embeddings cannot be streamed.', { param: 'stream' });
  return { body: { ...record, model, input }, model, stream: false, encodingFormat, dimensions: dimensions as number | null };
}

function readInput(input: unknown): EmbeddingsInput {
  if (typeof input === 'string') {
    if (input === '') throw invalidInput("'input' must not be an empty string.");
    return input;
  }
  if (!Array.isArray(input) || input.length === 0) {
    throw invalidInput("'input' is required: a string, an array of strings, an array of token ids, or an array of token id arrays.");
  }
  if (input.length > MAX_EMBEDDINGS_INPUTS) throw invalidInput(`'input' may hold at most ${MAX_EMBEDDINGS_INPUTS} items.`);
  if (input.every(isTokenId)) return input as number[];
  for (const [index, item] of input.entries()) {
    const valid = typeof item === 'string' ? item !== '' : Array.isArray(item) && item.length > 0 && item.every(isTokenId);
    if (!valid) throw invalidInput(`'input[${index}]' must be a non-empty string or a non-empty array of token ids, like the other items.`);
    if (typeof item !== typeof input[0]) throw invalidInput("'input' must not mix strings and token arrays.");
  }
  return input as string[] | number[][];
}

function isTokenId(value: unknown): boolean {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

function invalidInput(message: string): GatewayError {
  return new GatewayError('invalid_request', message, { param: 'input' });
}
