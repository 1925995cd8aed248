// Gemini errors → GatewayError. Bodies are `{"error":{code,message,status,details}}` (sometimes wrapped
// in an array), read leniently; a stream can end with the same object in a `data:` event.
// - 400 INVALID_ARGUMENT passes through, except a refused key (`API_KEY_INVALID`): Gemini answers that
//   with 400, not 401, but it is the gateway's key, not the caller's fault (502); 401/403 likewise;
// - 400 FAILED_PRECONDITION is about the gateway's account (billing, region): 502;
// - 404 → model_not_found; 429 RESOURCE_EXHAUSTED → 429 with `retry-after` from RetryInfo.retryDelay
//   (whole seconds, rounded up), else the upstream header;
// - 503 UNAVAILABLE ("model is overloaded") stays 503, which clients retry; 504/408 → 504; other 5xx → 502.
import { GatewayError } from '../../../../shared/src/errors.ts';
import type { GeminiErrorWire } from './gemini-wire.ts';

type Headers = Record<string, string | string[] | undefined>;

function readError(bodyText: string): GeminiErrorWire | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bodyText);
  } catch {
    return null;
  }
  const body = Array.isArray(parsed) ? parsed[0] : parsed;
  const error = body !== null && typeof body === 'object' ? (body as { error?: unknown }).error : null;
  return error !== null && typeof error === 'object' ? (error as GeminiErrorWire) : null;
}

function details(error: GeminiErrorWire | null): Array<Record<string, unknown>> {
  return Array.isArray(error?.details)
    ? error.details.filter((detail): detail is Record<string, unknown> => detail !== null && typeof detail === 'object')
    : [];
}

/** RetryInfo's `retryDelay` ("37s", "1.5s") in whole seconds, else the upstream's `retry-after`. */
function retryAfter(error: GeminiErrorWire | null, headers: Headers): Record<string, string> {
  const delay = details(error).find((detail) => typeof detail.retryDelay === 'string')?.retryDelay as string | undefined;
  const seconds = delay === undefined ? NaN : Number.parseFloat(delay);
  if (Number.isFinite(seconds) && seconds >= 0) return { 'retry-after': String(Math.ceil(seconds)) };
  const header = headers['retry-after'];
  return typeof header === 'string' ? { 'retry-after': header } : {};
}

/** The error a Gemini error object stands for, answered with `status` (HTTP, or the object's own `code` in a stream). */
export function geminiErrorFrom(status: number, error: GeminiErrorWire | null, headers: Headers = {}): GatewayError {
  const message = typeof error?.message === 'string' ? error.message : `The upstream provider answered with HTTP ${status}.`;
  const keyRefused = details(error).some((detail) => detail.reason === 'API_KEY_INVALID');
  if (keyRefused || status === 401 || status === 403) {
    return new GatewayError('upstream_error', `The upstream provider refused the gateway's credentials: ${message}`);
  }
  if (status === 429) return new GatewayError('rate_limited', message, { headers: retryAfter(error, headers) });
  if (status === 400 && error?.status === 'FAILED_PRECONDITION') return new GatewayError('upstream_error', message);
  if (status === 404) return new GatewayError('model_not_found', message, { param: 'model' });
  if (status === 408 || status === 504) return new GatewayError('upstream_timeout', message);
  if (status === 503) return new GatewayError('upstream_error', message, { status: 503, headers: retryAfter(error, headers) });
  if (status >= 400 && status < 500) return new GatewayError('invalid_request', message, { status });
  return new GatewayError('upstream_error', message);
}

export function geminiError(status: number, bodyText: string, headers: Headers): GatewayError {
  return geminiErrorFrom(status, readError(bodyText), headers);
}
