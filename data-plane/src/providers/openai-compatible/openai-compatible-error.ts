// OpenAI-compatible error bodies, read leniently for the one status table (upstream-error.ts): OpenAI's
// envelope, Mistral's flat `{message}`, xAI's `{code, error: "text"}`, or anything else.
import type { GatewayError } from '../../../../shared/src/errors.ts';
import { isRecord } from '../../../../shared/src/json-object.ts';
import { parseErrorBody, upstreamError, type UpstreamHeaders } from '../upstream-error.ts';

/** The message of an OpenAI-compatible error body, or null. */
export function openAICompatibleErrorMessage(bodyText: string): string | null {
  const body = parseErrorBody(bodyText);
  if (!isRecord(body)) return null;
  const error = body.error;
  if (typeof error === 'string') return error;
  if (isRecord(error) && typeof error.message === 'string') return error.message;
  return typeof body.message === 'string' ? body.message : null;
}

export function openAICompatibleError(status: number, bodyText: string, headers: UpstreamHeaders): GatewayError {
  return upstreamError(status, { message: openAICompatibleErrorMessage(bodyText) }, headers);
}
