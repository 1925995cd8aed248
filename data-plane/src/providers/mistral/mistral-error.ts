// Mistral errors → GatewayError (wire-formats.md §2.7). Mistral's 422 carries a validation report in
// `message.detail[]` ({loc: ["body", "prompt"], msg}); it becomes a 400 naming the field, because the
// caller sent it. Everything else is the OpenAI-compatible mapping: the flat 400 `{object: "error",
// message}`, the 429 `rate_limited` (code "1300", retry-after kept), and the 401 `{message:
// "Unauthorized"}` with no error key, which refuses *our* key and so is a 502, not the caller's 401.
import { GatewayError } from '../../../../shared/src/errors.ts';
import { openAICompatibleError } from '../openai-compatible/openai-compatible-error.ts';
import type { MistralValidationDetailWire } from './mistral-wire.ts';

function validationDetails(bodyText: string): MistralValidationDetailWire[] | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bodyText);
  } catch {
    return null;
  }
  const message = parsed !== null && typeof parsed === 'object' ? (parsed as { message?: unknown }).message : null;
  const detail = message !== null && typeof message === 'object' ? (message as { detail?: unknown }).detail : (parsed as { detail?: unknown } | null)?.detail;
  return Array.isArray(detail) ? (detail as MistralValidationDetailWire[]) : null;
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

export function mistralError(status: number, bodyText: string, headers: Record<string, string | string[] | undefined>): GatewayError {
  const details = status === 422 || status === 400 ? validationDetails(bodyText) : null;
  if (details === null || details.length === 0) return openAICompatibleError(status, bodyText, headers);
  const first = details[0];
  const param = fieldPath(first?.loc);
  const reason = typeof first?.msg === 'string' ? first.msg : 'Invalid value';
  const message = param === null ? `Invalid request: ${reason}.` : `Invalid request: '${param}': ${reason}.`;
  return new GatewayError('invalid_request', message, { param });
}
