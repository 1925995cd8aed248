// Upstream error responses → GatewayError, leniently: OpenAI's envelope, Mistral's flat
// `{message}`, xAI's `{code, error: "text"}`, or anything else. Client-side statuses (400, 404, 409,
// 413, 422, 429) pass through with the upstream's message; a 401/403 means *our* provider key was
// refused, which is not the caller's fault (502); 5xx → 502, except 504 (and 408) → 504.
import { GatewayError } from '../../../../shared/src/errors.ts';

function upstreamMessage(bodyText: string): string | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bodyText);
  } catch {
    return null;
  }
  if (parsed === null || typeof parsed !== 'object') return null;
  const record = parsed as Record<string, unknown>;
  const error = record.error;
  if (typeof error === 'string') return error;
  if (error !== null && typeof error === 'object') {
    const message = (error as Record<string, unknown>).message;
    if (typeof message === 'string') return message;
  }
  if (typeof record.message === 'string') return record.message;
  return null;
}

export function openAICompatibleError(status: number, bodyText: string, headers: Record<string, string | string[] | undefined>): GatewayError {
  const message = upstreamMessage(bodyText) ?? `The upstream provider answered with HTTP ${status}.`;
  const retryAfter = headers['retry-after'];
  const passHeaders: Record<string, string> = typeof retryAfter === 'string' ? { 'retry-after': retryAfter } : {};
  if (status === 429) return new GatewayError('rate_limited', message, { headers: passHeaders });
  if (status === 401 || status === 403) {
    return new GatewayError('upstream_error', `The upstream provider refused the gateway's credentials: ${message}`);
  }
  if (status === 404) return new GatewayError('model_not_found', message, { param: 'model' });
  if (status === 408 || status === 504) return new GatewayError('upstream_timeout', message);
  if (status >= 400 && status < 500) return new GatewayError('invalid_request', message, { status });
  return new GatewayError('upstream_error', message, { headers: passHeaders });
}
