// Gemini errors, read for the one status table (upstream-error.ts). Bodies are
// `{"error":{code,message,status,details}}` (sometimes wrapped in an array), read leniently; a stream can
// end with the same object in a `data:` event. What Gemini adds to the table:
// - a refused key (`API_KEY_INVALID`) comes as 400, not 401, but it is the gateway's key (502);
// - 400 FAILED_PRECONDITION is about the gateway's account (billing, region): 502;
// - 503 UNAVAILABLE ("model is overloaded") stays 503, which clients retry;
// - `retry-after` comes from RetryInfo.retryDelay (whole seconds, rounded up), else the upstream header.
import type { GatewayError } from '../../../../shared/src/errors.ts';
import { isRecord, type JsonObject } from '../../../../shared/src/json-object.ts';
import { parseErrorBody, upstreamError, type UpstreamHeaders } from '../upstream-error.ts';
import type { GeminiErrorWire } from './gemini-wire.ts';

function readError(bodyText: string): GeminiErrorWire | null {
  const parsed = parseErrorBody(bodyText);
  const body: unknown = Array.isArray(parsed) ? parsed[0] : parsed;
  const error = isRecord(body) ? body.error : null;
  return isRecord(error) ? error : null;
}

function details(error: GeminiErrorWire | null): JsonObject[] {
  return Array.isArray(error?.details) ? error.details.filter(isRecord) : [];
}

/** RetryInfo's `retryDelay` ("37s", "1.5s") in whole seconds, or null. */
function retryDelay(error: GeminiErrorWire | null): string | null {
  const delay = details(error).find((detail) => typeof detail.retryDelay === 'string')?.retryDelay;
  const seconds = typeof delay === 'string' ? Number.parseFloat(delay) : NaN;
  return Number.isFinite(seconds) && seconds >= 0 ? String(Math.ceil(seconds)) : null;
}

/** The error a Gemini error object stands for, answered with `status` (HTTP, or the object's own `code` in a stream). */
export function geminiErrorFrom(status: number, error: GeminiErrorWire | null, headers: UpstreamHeaders = {}): GatewayError {
  const keyRefused = details(error).some((detail) => detail.reason === 'API_KEY_INVALID');
  const account = status === 400 && error?.status === 'FAILED_PRECONDITION';
  return upstreamError(
    status,
    {
      message: typeof error?.message === 'string' ? error.message : null,
      kind: keyRefused ? 'credentials_refused' : account ? 'account' : status === 503 ? 'overloaded' : null,
      retryAfter: retryDelay(error),
    },
    headers,
  );
}

export function geminiError(status: number, bodyText: string, headers: UpstreamHeaders): GatewayError {
  return geminiErrorFrom(status, readError(bodyText), headers);
}
