// Mistral errors (wire-formats.md §2.7), read for the one status table (upstream-error.ts). Mistral's 422
// carries a validation report in `message.detail[]` ({loc: ["body", "prompt"], msg}); it is answered as a
// 400 naming the field, because the caller sent it. Everything else reads as OpenAI-compatible: the flat
// 400 `{object: "error", message}`, the 429 (code "1300", retry-after kept), and the 401 `{message:
// "Unauthorized"}` with no error key, which refuses *our* key.
import type { GatewayError } from '../../../../shared/src/errors.ts';
import { isRecord } from '../../../../shared/src/json-object.ts';
import { openAICompatibleError } from '../openai-compatible/openai-compatible-error.ts';
import { parseErrorBody, upstreamError, type UpstreamHeaders } from '../upstream-error.ts';
import type { MistralValidationDetailWire } from './mistral-wire.ts';

function validationDetails(bodyText: string): MistralValidationDetailWire[] | null {
  const body = parseErrorBody(bodyText);
  if (!isRecord(body)) return null;
  const detail = isRecord(body.message) ? body.message.detail : body.detail;
  return Array.isArray(detail) ? detail.filter(isRecord) : null;
}

/** `["body", "messages", 0, "content"]` → `messages[0].content` (the request body is implied). */
function fieldPath(loc: unknown): string | null {
  if (!Array.isArray(loc)) return null;
  let path = '';
  for (const part of loc.slice(loc[0] === 'body' ? 1 : 0)) {
    if (typeof part === 'number') path += `[${part}]`;
    else if (typeof part === 'string') path += path === '' ? part : `.${part}`;
  }
  return path === '' ? null : path;
}

export function mistralError(status: number, bodyText: string, headers: UpstreamHeaders): GatewayError {
  const details = status === 422 || status === 400 ? validationDetails(bodyText) : null;
  const first = details?.[0];
  if (first === undefined) return openAICompatibleError(status, bodyText, headers);
  const param = fieldPath(first.loc);
  const reason = typeof first.msg === 'string' ? first.msg : 'Invalid value';
  const message = param === null ? `Invalid request: ${reason}.` : `Invalid request: '${param}': ${reason}.`;
  return upstreamError(400, { message, param }, headers);
}
