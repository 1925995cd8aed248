// How every door's body check opens (chat, FIM, Messages, Responses): the bytes are JSON, the JSON is
// an object, and `model` names one. One copy, so every door answers the same words for the same fault.
import { GatewayError } from '../../../shared/src/errors.ts';
import { isRecord, type JsonObject } from '../../../shared/src/json-object.ts';
import { readJsonBytes } from '../http/read-json-bytes.ts';
import { decodeBody } from '../http/decode-text.ts';
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
 * A request body: a long one read in its bytes (http/read-json-bytes.ts: its long strings left there,
 * the bytes the source a splice cuts); any other decoded and parsed as before, errors included, its
 * text the source (with its bytes when they are ASCII).
 */
export function readRequestBody(bytes: Buffer): { record: JsonObject; source: JsonSource } {
  const read = readJsonBytes(bytes, MAX_JSON_DEPTH);
  if (read !== null) return { record: jsonObject(read.value), source: { text: null, bytes, layout: read.layout } };
  const decoded = decodeBody(bytes);
  return { record: readJsonObject(decoded.text), source: { text: decoded.text, bytes: decoded.asciiBytes } };
}

/** A door's body (FIM, Messages, Responses): as readRequestBody, the source kept only when read in its bytes (a native path splices into those). */
export function readDoorBody(bytes: Buffer): { record: JsonObject; source?: JsonSource } {
  const read = readRequestBody(bytes);
  return read.source.text === null ? read : { record: read.record };
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
