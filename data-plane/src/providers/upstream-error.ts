// Upstream error answers → the GatewayError the client gets: one table for every provider. A provider's
// `*-error.ts` only reads its own body (the message, and what its wire says beyond the HTTP status);
// this decides the answer:
//   the provider refused *our* key (401/403, or the provider's own signal) → 502 upstream_error with the
//     reason `provider_key_refused`: the client's key was fine (a BYOK key is explained by
//     pipeline/upstream-credentials.ts, by that reason, never by the message's wording);
//   429 → 429 rate_limited; the provider is overloaded → 503, which clients retry;
//   the gateway's account with the provider (billing, region) → 502;
//   404 → model_not_found; 408/504 → upstream_timeout; other 4xx pass through as invalid_request with
//     the upstream's status (the caller's request); other 5xx → 502.
// `retry-after` (the header, or what the body says instead) is kept on 429, 503 and 5xx answers.
import { GatewayError } from '../../../shared/src/errors.ts';

export type UpstreamHeaders = Record<string, string | string[] | undefined>;

/** What a provider's error body says. */
export interface UpstreamErrorReading {
  /** The provider's own message; null when its body has none. */
  message: string | null;
  /** What the body says beyond the HTTP status, when that changes the answer. */
  kind?: 'credentials_refused' | 'overloaded' | 'account' | null;
  /** The request field the provider blames (a caller's mistake). */
  param?: string | null;
  /** A retry-after the body gives (Gemini's RetryInfo), preferred to the header. */
  retryAfter?: string | null;
}

const REFUSED_CREDENTIALS = "The upstream provider refused the gateway's credentials";

export function upstreamError(status: number, reading: UpstreamErrorReading, headers: UpstreamHeaders): GatewayError {
  const message = reading.message ?? `The upstream provider answered with HTTP ${status}.`;
  const kind = reading.kind ?? null;
  if (kind === 'credentials_refused' || status === 401 || status === 403) {
    return new GatewayError('upstream_error', `${REFUSED_CREDENTIALS}: ${message}`, { reason: { code: 'provider_key_refused', upstreamMessage: message } });
  }
  const retryAfter = reading.retryAfter ?? headers['retry-after'];
  const passHeaders: Record<string, string> = typeof retryAfter === 'string' ? { 'retry-after': retryAfter } : {};
  if (status === 429) return new GatewayError('rate_limited', message, { headers: passHeaders });
  if (kind === 'overloaded') return new GatewayError('upstream_error', message, { status: 503, headers: passHeaders });
  if (kind === 'account') return new GatewayError('upstream_error', message);
  if (status === 404) return new GatewayError('model_not_found', message, { param: 'model' });
  if (status === 408 || status === 504) return new GatewayError('upstream_timeout', message);
  if (status >= 400 && status < 500) return new GatewayError('invalid_request', message, { status, param: reading.param ?? null });
  return new GatewayError('upstream_error', message, { headers: passHeaders });
}

/** An error body parsed, or undefined when it is not JSON (it is then read as having no message). */
export function parseErrorBody(bodyText: string): unknown {
  try {
    return JSON.parse(bodyText);
  } catch {
    return undefined;
  }
}
