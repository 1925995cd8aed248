// Anthropic errors → GatewayError. HTTP errors carry `{"type":"error","error":{"type","message"}}`,
// read leniently. Client-side statuses pass through with the upstream's message; 401/403 (and 402
// billing) mean Anthropic refused *our* key or account, which is not the caller's fault (502); 529 and
// `overloaded_error` → 503, which clients retry; 504/408 → 504; other 5xx → 502. `retry-after` is kept.
import { GatewayError } from '../../../../shared/src/errors.ts';

function readError(bodyText: string): { type: string | null; message: string | null } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bodyText);
  } catch {
    return { type: null, message: null };
  }
  const error = parsed !== null && typeof parsed === 'object' ? (parsed as { error?: unknown }).error : null;
  if (error === null || typeof error !== 'object') return { type: null, message: null };
  const { type, message } = error as { type?: unknown; message?: unknown };
  return { type: typeof type === 'string' ? type : null, message: typeof message === 'string' ? message : null };
}

/** The error an `event: error` inside a stream stands for (its `error` object). */
export function anthropicStreamError(error: { type?: unknown; message?: unknown } | null | undefined): GatewayError {
  const message = typeof error?.message === 'string' ? error.message : 'The upstream provider reported an error.';
  if (error?.type === 'overloaded_error') return new GatewayError('upstream_error', message, { status: 503 });
  if (error?.type === 'rate_limit_error') return new GatewayError('rate_limited', message);
  return new GatewayError('upstream_error', message);
}

export function anthropicError(status: number, bodyText: string, headers: Record<string, string | string[] | undefined>): GatewayError {
  const { type, message: upstreamMessage } = readError(bodyText);
  const message = upstreamMessage ?? `The upstream provider answered with HTTP ${status}.`;
  const retryAfter = headers['retry-after'];
  const passHeaders: Record<string, string> = typeof retryAfter === 'string' ? { 'retry-after': retryAfter } : {};
  if (status === 429) return new GatewayError('rate_limited', message, { headers: passHeaders });
  if (status === 529 || type === 'overloaded_error') return new GatewayError('upstream_error', message, { status: 503, headers: passHeaders });
  if (status === 401 || status === 403) {
    return new GatewayError('upstream_error', `The upstream provider refused the gateway's credentials: ${message}`);
  }
  if (status === 402) return new GatewayError('upstream_error', message);
  if (status === 404) return new GatewayError('model_not_found', message, { param: 'model' });
  if (status === 408 || status === 504) return new GatewayError('upstream_timeout', message);
  if (status >= 400 && status < 500) return new GatewayError('invalid_request', message, { status });
  return new GatewayError('upstream_error', message, { headers: passHeaders });
}
