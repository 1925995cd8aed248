// How every door's body check opens (chat, FIM, Messages, Responses): the bytes are JSON, the JSON is
// an object, and `model` names one. One copy, so every door answers the same words for the same fault.
import { GatewayError } from '../../../shared/src/errors.ts';
import { isRecord, type JsonObject } from '../../../shared/src/json-object.ts';
import { readJsonBytes } from '../http/read-json-bytes.ts';
import type { TopLevelLayout } from '../http/json-text.ts';
import { decodeText } from '../http/decode-text.ts';
import type { JsonSource } from '../providers/splice-json-member.ts';

/** The body's text parsed as a JSON object, or the `invalid_json` / `invalid_request` error the client sees. */
export function readJsonObject(text: string): JsonObject {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new GatewayError('invalid_json', 'We could not parse the JSON body of your request.');
  }
  const record = jsonObject(body);
  if (nestedDeeperThan(record, MAX_JSON_DEPTH)) {
    throw new GatewayError('invalid_request', `The JSON body is nested more than ${MAX_JSON_DEPTH} levels deep.`);
  }
  return record;
}

/**
 * A long body read by http/read-json-bytes.ts (its long strings left in the bytes), or null when that
 * reader declines: the caller then decodes the body and calls readJsonObject, which gives the errors.
 */
export function readLongJsonObject(bytes: Buffer): { record: JsonObject; layout: TopLevelLayout | null } | null {
  const read = readJsonBytes(bytes, MAX_JSON_DEPTH);
  return read === null ? null : { record: jsonObject(read.value), layout: read.layout };
}

/**
 * A door's body (Messages, Responses): a long one read in its bytes, with them as the source a native
 * path splices the model into; any other decoded and parsed as before, errors included.
 */
export function readDoorBody(bytes: Buffer): { record: JsonObject; source?: JsonSource } {
  const long = readLongJsonObject(bytes);
  if (long !== null) return { record: long.record, source: { text: null, bytes, layout: long.layout } };
  return { record: readJsonObject(decodeText(bytes)) };
}

function jsonObject(body: unknown): JsonObject {
  if (!isRecord(body)) throw new GatewayError('invalid_request', 'The request body must be a JSON object.');
  return body;
}

/**
 * How deep a body may nest (issue 13, defect 9): 100,000 nested arrays in an unknown field overflowed
 * the stack where the body is serialised again (a 500). Far deeper than any tool schema or content.
 */
export const MAX_JSON_DEPTH = 128;

/**
 * Whether parsed JSON nests deeper than `max` (the top object is level 1). Without recursion, so the
 * check cannot overflow itself, and it visits objects and arrays only: its cost follows the number of
 * containers, not the bytes (a long prompt is one string).
 */
function nestedDeeperThan(root: object, max: number): boolean {
  const pending: object[] = [root];
  const depths: number[] = [1];
  while (pending.length > 0) {
    const value = pending.pop()!;
    const depth = depths.pop()!;
    if (depth > max) return true;
    const children = Array.isArray(value) ? (value as unknown[]) : Object.values(value);
    for (const child of children) {
      if (child !== null && typeof child === 'object') {
        pending.push(child);
        depths.push(depth + 1);
      }
    }
  }
  return false;
}

/** The body's `model`: a non-empty string, or the error naming the field. */
export function requireModel(body: JsonObject): string {
  if (typeof body.model !== 'string' || body.model === '') {
    throw new GatewayError('invalid_request', "'model' is required and must be a string.", { param: 'model' });
  }
  return body.model;
}
