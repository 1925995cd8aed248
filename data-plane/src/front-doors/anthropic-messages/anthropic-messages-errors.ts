// The gateway's errors in Anthropic's envelope (wire-formats.md §2.5): `{"type":"error","error":{"type",
// "message"}}`, the error type chosen by HTTP status as Anthropic does, since Anthropic's SDKs pick their
// exception class by status. What the gateway adds to an error (e.g. which spending limit refused the
// request, with the amounts) goes in `error.details`, where Anthropic puts its own spend-limit details.
// A started stream ends with the same object as an `event: error`.
import type { GatewayError } from '../../../../shared/src/errors.ts';
import type { ErrorPresenter } from '../../http/send-error.ts';

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  409: 'conflict_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  503: 'overloaded_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

export function anthropicErrorType(status: number): string {
  return ERROR_TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
}

function envelope(error: GatewayError): string {
  const details = Object.keys(error.details).length > 0 ? { details: error.details } : {};
  return JSON.stringify({ type: 'error', error: { type: anthropicErrorType(error.status), message: error.message, ...details } });
}

export const anthropicMessagesErrors: ErrorPresenter = {
  body: envelope,
  frame: (error) => `event: error\ndata: ${envelope(error)}\n\n`,
  rateLimitHeaderStyle: 'anthropic',
};
