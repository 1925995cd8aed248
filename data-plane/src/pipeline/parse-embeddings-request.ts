// The one place a client's embeddings body (OpenAI's `POST /embeddings`) is checked: valid JSON, an
// object, a string `model`, an `input` of one of OpenAI's four shapes (a string, an array of strings, an
// array of token ids, an array of such arrays; none empty), `encoding_format` float or base64 (default
// float), `dimensions` a positive integer. Other fields (`user`, a provider's own) are forwarded.
// OpenAI's limit of 2048 inputs per request is kept, so a request fails alike on every provider.
// A long body is read in its bytes (read-request-body.ts) and its texts checked with memberOf, so a long
// input is not built for the checks, the bound or an OpenAI-compatible upstream (the model is spliced in).
import { GatewayError } from '../../../shared/src/errors.ts';
import { asBuffer } from '../http/decode-text.ts';
import { isText, memberOf } from '../http/read-json-bytes.ts';
import type { EmbeddingsRequest } from '../providers/client-requests.ts';
import { readDoorBody, requireModel } from './read-request-body.ts';

export const MAX_EMBEDDINGS_INPUTS = 2048;

export function parseEmbeddingsRequest(raw: Uint8Array): EmbeddingsRequest {
  const { record, source } = readDoorBody(asBuffer(raw));
  const model = requireModel(record);
  checkInput(memberOf(record, 'input'));
  const encodingFormat = record.encoding_format ?? 'float';
  if (encodingFormat !== 'float' && encodingFormat !== 'base64') {
    throw new GatewayError('invalid_request', "'encoding_format' must be 'float' or 'base64'.", { param: 'encoding_format' });
  }
  const dimensions = record.dimensions ?? null;
  if (dimensions !== null && !(Number.isSafeInteger(dimensions) && (dimensions as number) > 0)) {
    throw new GatewayError('invalid_request', "'dimensions' must be a positive integer.", { param: 'dimensions' });
  }
  if (record.stream === true) throw new GatewayError('invalid_request', 'Embeddings cannot be streamed.', { param: 'stream' });
  // The routing extras are taken out of the body the upstream gets (parse-routing-options.ts): the bytes would still have them.
  const spliceable = source !== undefined && !('provider' in record) && !('models' in record);
  return {
    body: record as EmbeddingsRequest['body'],
    model,
    stream: false,
    encodingFormat,
    dimensions: dimensions as number | null,
    ...(source === undefined ? {} : { readInBytes: true }),
    ...(spliceable ? { source } : {}),
  };
}

/** `input` (read with memberOf, as are its items) is one of OpenAI's four shapes. */
function checkInput(input: unknown): void {
  if (isText(input)) {
    if (input === '') throw invalidInput("'input' must not be an empty string.");
    return;
  }
  if (!Array.isArray(input) || input.length === 0) {
    throw invalidInput("'input' is required: a string, an array of strings, an array of token ids, or an array of token id arrays.");
  }
  if (input.length > MAX_EMBEDDINGS_INPUTS) throw invalidInput(`'input' may hold at most ${MAX_EMBEDDINGS_INPUTS} items.`);
  const items: unknown[] = [];
  for (let index = 0; index < input.length; index++) items.push(memberOf(input, index));
  if (items.every(isTokenId)) return;
  for (const [index, item] of items.entries()) {
    const valid = isText(item) ? item !== '' : Array.isArray(item) && item.length > 0 && item.every(isTokenId);
    if (!valid) throw invalidInput(`'input[${index}]' must be a non-empty string or a non-empty array of token ids, like the other items.`);
    if (isText(item) !== isText(items[0])) throw invalidInput("'input' must not mix strings and token arrays.");
  }
}

function isTokenId(value: unknown): boolean {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

function invalidInput(message: string): GatewayError {
  return new GatewayError('invalid_request', message, { param: 'input' });
}
