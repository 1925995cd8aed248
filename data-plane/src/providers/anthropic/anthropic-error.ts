// Anthropic errors, read for the one status table (upstream-error.ts). HTTP errors carry
// `{"type":"error","error":{"type","message"}}`, read leniently. What Anthropic adds to the table: 529
// and `overloaded_error` mean overloaded (503, which clients retry), and 402 (billing) is the gateway's
// account, not the caller's request.
import type { GatewayError } from '../../../../shared/src/errors.ts';
import { isRecord } from '../../../../shared/src/json-object.ts';
import { parseErrorBody, upstreamError, type UpstreamHeaders } from '../upstream-error.ts';

function readError(bodyText: string): { type: string | null; message: string | null } {
  const body = parseErrorBody(bodyText);
  const error = isRecord(body) ? body.error : null;
  if (!isRecord(error)) return { type: null, message: null };
  return { type: typeof error.type === 'string' ? error.type : null, message: typeof error.message === 'string' ? error.message : null };
}

/** The error an `event: error` inside a stream stands for (its `error` object, whose type stands in for a status). */
export function anthropicStreamError(error: { type?: unknown; message?: unknown } | null | undefined): GatewayError {
  const message = typeof error?.message === 'string' ? error.message : 'The upstream provider reported an error.';
  const status = error?.type === 'rate_limit_error' ? 429 : 500;
  return upstreamError(status, { message, kind: error?.type === 'overloaded_error' ? 'overloaded' : null }, {});
}

export function anthropicError(status: number, bodyText: string, headers: UpstreamHeaders): GatewayError {
  const { type, message } = readError(bodyText);
  const kind = status === 529 || type === 'overloaded_error' ? 'overloaded' : status === 402 ? 'account' : null;
  return upstreamError(status, { message, kind }, headers);
}
