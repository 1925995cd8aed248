// MiniMax reports failures in `base_resp: {status_code, status_msg}` (wire-formats.md §2.9), on
// HTTP 200 as well as on error statuses, so a 200 is only a success once `status_code` is 0. Codes:
//   1002 rate limit                          → 429
//   1004 authentication (our key), 1008 insufficient balance (our account) → 502
//   1026 / 1027 sensitive input / output     → 400, the content filter refused the caller's content
//   anything else (1000 unknown, 1001 timeout, 1024 internal, 1033, 1041, …) → 502
// The upstream's code is kept in the message so an operator can look it up.
import { GatewayError } from '../../../../shared/src/errors.ts';
import { openAICompatibleError } from './openai-compatible-error.ts';

/** The error a `base_resp` stands for, or null when it reports success (or is absent). */
export function minimaxBaseRespError(baseResp: unknown): GatewayError | null {
  if (baseResp === null || typeof baseResp !== 'object') return null;
  const { status_code: code, status_msg: statusMessage } = baseResp as { status_code?: unknown; status_msg?: unknown };
  if (typeof code !== 'number' || code === 0) return null;
  const message = `${typeof statusMessage === 'string' && statusMessage !== '' ? statusMessage : 'MiniMax reported an error'} (MiniMax status ${code})`;
  switch (code) {
    case 1002:
      return new GatewayError('rate_limited', message);
    case 1004:
      return new GatewayError('upstream_error', `The upstream provider refused the gateway's credentials: ${message}`);
    case 1026:
    case 1027:
      return new GatewayError('invalid_request', `The upstream provider's content filter refused the request: ${message}`);
    default:
      return new GatewayError('upstream_error', message);
  }
}

/** A 2xx or error body that parses and carries a failing `base_resp` → its error; otherwise null. */
export function readMiniMaxBaseRespError(bodyText: string): GatewayError | null {
  try {
    const parsed = JSON.parse(bodyText) as { base_resp?: unknown } | null;
    return minimaxBaseRespError(parsed?.base_resp);
  } catch {
    return null;
  }
}

export function minimaxError(status: number, bodyText: string, headers: Record<string, string | string[] | undefined>): GatewayError {
  return readMiniMaxBaseRespError(bodyText) ?? openAICompatibleError(status, bodyText, headers);
}
