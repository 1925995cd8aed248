// How every door's body check opens (chat, FIM, Messages, Responses): the bytes are JSON, the JSON is
// an object, and `model` names one. One copy, so every door answers the same words for the same fault.
import { GatewayError } from '../../../shared/src/errors.ts';
import { isRecord, type JsonObject } from '../../../shared/src/json-object.ts';

/** The body's text parsed as a JSON object, or the `invalid_json` / `invalid_request` error the client sees. */
export function readJsonObject(text: string): JsonObject {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new GatewayError('invalid_json', 'We could not parse the JSON body of your request.');
  }
  if (!isRecord(body)) throw new GatewayError('invalid_request', 'The request body must be a JSON object.');
  return body;
}

/** The body's `model`: a non-empty string, or the error naming the field. */
export function requireModel(body: JsonObject): string {
  if (typeof body.model !== 'string' || body.model === '') {
    throw new GatewayError('invalid_request', "'model' is required and must be a string.", { param: 'model' });
  }
  return body.model;
}
