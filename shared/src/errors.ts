// One error type for everything the gateway itself rejects, one table from its code to the HTTP status
// and OpenAI error `type`. Pipeline steps throw GatewayError; only the HTTP edge writes the envelope.

export const errorCodes = {
  invalid_request: { status: 400, type: 'invalid_request_error' },
  invalid_json: { status: 400, type: 'invalid_request_error' },
  invalid_api_key: { status: 401, type: 'authentication_error' },
  /** The control plane's sign-in: wrong email or password, or a spent or expired link. */
  invalid_credentials: { status: 401, type: 'authentication_error' },
  insufficient_balance: { status: 402, type: 'insufficient_quota' },
  /** A stream ended by the gateway: the upstream produced more than the request reserved (a stream's final frame only). */
  reservation_exceeded: { status: 402, type: 'insufficient_quota' },
  forbidden: { status: 403, type: 'permission_error' },
  model_not_found: { status: 404, type: 'invalid_request_error' },
  not_found: { status: 404, type: 'invalid_request_error' },
  method_not_allowed: { status: 405, type: 'invalid_request_error' },
  request_too_large: { status: 413, type: 'invalid_request_error' },
  rate_limited: { status: 429, type: 'rate_limit_error' },
  /** The gateway's own requests or tokens per minute (its `limit` and `scope` details say which). */
  rate_limit_exceeded: { status: 429, type: 'rate_limit_error' },
  daily_limit_exceeded: { status: 429, type: 'rate_limit_error' },
  /** The API key's own daily, weekly or monthly budget (its `limit` detail says which). */
  key_budget_exceeded: { status: 429, type: 'rate_limit_error' },
  client_closed: { status: 499, type: 'client_closed' },
  internal_error: { status: 500, type: 'server_error' },
  upstream_error: { status: 502, type: 'upstream_error' },
  no_provider_available: { status: 503, type: 'server_error' },
  /** Every endpoint left for the request lacks a provider key (no platform key set, no BYOK key). */
  provider_not_configured: { status: 503, type: 'server_error' },
  shutting_down: { status: 503, type: 'server_error' },
  /** The data plane cannot write usage records (disk full or failing): it serves nothing it cannot record. */
  usage_spool_unavailable: { status: 503, type: 'server_error' },
  spend_counters_unavailable: { status: 503, type: 'server_error' },
  upstream_timeout: { status: 504, type: 'timeout_error' },
} as const satisfies Record<string, { status: number; type: string }>;

export type GatewayErrorCode = keyof typeof errorCodes;

export interface ErrorEnvelope {
  /** `details` fields sit beside the standard four, e.g. which spending limit refused a request. */
  error: { message: string; type: string; code: string; param: string | null; [detail: string]: unknown };
}

/**
 * What the gateway itself acts on beyond the public `code`, never part of the envelope: the provider
 * refused the key the gateway sent (a BYOK key is then explained as the organization's to fix).
 */
export type GatewayErrorReason = { code: 'provider_key_refused'; /** The provider's own words. */ upstreamMessage: string };

export interface GatewayErrorOptions {
  param?: string | null;
  status?: number;
  headers?: Record<string, string>;
  details?: Record<string, unknown>;
  reason?: GatewayErrorReason | null;
  cause?: unknown;
}

export class GatewayError extends Error {
  readonly code: GatewayErrorCode;
  readonly param: string | null;
  /** Status override, e.g. to pass an upstream 4xx through unchanged. */
  readonly statusOverride: number | null;
  readonly headers: Record<string, string>;
  /** Extra machine-readable fields of the envelope's `error` object. */
  readonly details: Record<string, unknown>;
  readonly reason: GatewayErrorReason | null;

  constructor(code: GatewayErrorCode, message: string, options: GatewayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatewayError';
    this.code = code;
    this.param = options.param ?? null;
    this.statusOverride = options.status ?? null;
    this.headers = options.headers ?? {};
    this.details = options.details ?? {};
    this.reason = options.reason ?? null;
  }

  /** The same error with extra response headers (e.g. x-gateway-provider naming the endpoint that failed last). */
  withHeaders(headers: Record<string, string>): GatewayError {
    return new GatewayError(this.code, this.message, {
      param: this.param,
      status: this.statusOverride ?? undefined,
      headers: { ...this.headers, ...headers },
      details: this.details,
      reason: this.reason,
      cause: this.cause,
    });
  }

  get status(): number {
    return this.statusOverride ?? errorCodes[this.code].status;
  }

  toEnvelope(): ErrorEnvelope {
    return { error: { ...this.details, message: this.message, type: errorCodes[this.code].type, code: this.code, param: this.param } };
  }
}

/** Anything thrown becomes a GatewayError; unknown failures are internal errors with the cause kept. */
export function toGatewayError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  return new GatewayError('internal_error', 'Internal gateway error', { cause: error });
}
