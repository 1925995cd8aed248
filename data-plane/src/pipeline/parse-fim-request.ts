// The one place a client's FIM body (Codestral's `/fim/completions`, wire-formats.md §2.7) is checked:
// valid JSON, an object, a string `model` and `prompt`, and the documented optional fields of the right
// type. Unknown fields are forwarded: Mistral rejects them with a 422 the client then sees as a 400
// naming the field, which beats dropping them silently (Kilo's FIM route drops `temperature`).
// A long body (a code file's prompt and suffix) is read in its bytes (http/read-json-bytes.ts): the checks
// read the measurements of its long strings, and the upstream gets the client's bytes with the model spliced in.
import { GatewayError } from '../../../shared/src/errors.ts';
import { readDoorBody, requireModel } from './read-request-body.ts';
import type { FimRequest } from '../providers/client-requests.ts';
import { asBuffer } from '../http/decode-text.ts';
import { isText, memberOf } from '../http/read-json-bytes.ts';

type Check = (value: unknown) => boolean;

const isNumber: Check = (value) => typeof value === 'number' && Number.isFinite(value);
const isNonNegativeInteger: Check = (value) => Number.isInteger(value) && (value as number) >= 0;
const isStop: Check = (value) => typeof value === 'string' || (Array.isArray(value) && value.every((item) => typeof item === 'string'));

/** Optional fields: their check and how the error describes what was expected. Null is accepted as "unset". */
const OPTIONAL_FIELDS: ReadonlyArray<[string, Check, string]> = [
  ['suffix', isText, 'a string'],
  ['max_tokens', isNonNegativeInteger, 'a non-negative integer'],
  ['min_tokens', isNonNegativeInteger, 'a non-negative integer'],
  ['temperature', isNumber, 'a number'],
  ['top_p', isNumber, 'a number'],
  ['stop', isStop, 'a string or an array of strings'],
  ['random_seed', isNonNegativeInteger, 'a non-negative integer'],
  ['stream', (value) => typeof value === 'boolean', 'a boolean'],
];

export function parseFimRequest(raw: Uint8Array): FimRequest {
  const { record, source } = readDoorBody(asBuffer(raw));
  const model = requireModel(record);
  if (!isText(memberOf(record, 'prompt'))) {
    throw new GatewayError('invalid_request', "'prompt' is required and must be a string.", { param: 'prompt' });
  }
  for (const [field, check, expected] of OPTIONAL_FIELDS) {
    const value = memberOf(record, field);
    if (value !== undefined && value !== null && !check(value)) {
      throw new GatewayError('invalid_request', `'${field}' must be ${expected}.`, { param: field });
    }
  }
  if (isNonNegativeInteger(record.min_tokens) && isNonNegativeInteger(record.max_tokens) && (record.min_tokens as number) > (record.max_tokens as number)) {
    throw new GatewayError('invalid_request', "'min_tokens' must not exceed 'max_tokens'.", { param: 'min_tokens' });
  }
  // The routing extras are taken out of the body the upstream gets (parse-routing-options.ts): the bytes would still have them.
  const spliceable = source !== undefined && !('provider' in record) && !('models' in record);
  return { body: record as FimRequest['body'], model, stream: record.stream === true, ...(spliceable ? { source } : {}) };
}
