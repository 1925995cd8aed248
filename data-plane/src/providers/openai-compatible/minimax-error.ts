// MiniMax reports failures in `base_resp: {status_code, status_msg}` (wire-formats.md §2.9), on
// HTTP 200 as well as on error statuses, so a 200 is only a success once `status_code` is 0. Its codes
// are read as the HTTP statuses they stand for, then go through the one status table (upstream-error.ts):
//   1002 rate limit                          → 429
//   1004 authentication (our key)            → a refused key (502)
//   1026 / 1027 sensitive input / output     → 400, the content filter refused the caller's content
//   anything else (1000 unknown, 1001 timeout, 1008 insufficient balance, 1024 internal, …) → 502
// The upstream's code is kept in the message so an operator can look it up.
import type { GatewayError } from '../../../../shared/src/errors.ts';
import { isRecord } from '../../../../shared/src/json-object.ts';
import { parseErrorBody, upstreamError, type UpstreamHeaders } from '../upstream-error.ts';
import { openAICompatibleError } from './openai-compatible-error.ts';

/** The error a `base_resp` stands for, or null when it reports success (or is absent). */
export function minimaxBaseRespError(baseResp: unknown, headers: UpstreamHeaders = {}): GatewayError | null {
  if (!isRecord(baseResp)) return null;
  const { status_code: code, status_msg: statusMessage } = baseResp;
  if (typeof code !== 'number' || code === 0) return null;
  const message = `${typeof statusMessage === 'string' && statusMessage !== '' ? statusMessage : 'MiniMax reported an error'} (MiniMax status ${code})`;
  switch (code) {
    case 1002:
      return upstreamError(429, { message }, headers);
    case 1004:
      return upstreamError(502, { message, kind: 'credentials_refused' }, headers);
    case 1026:
    case 1027:
      return upstreamError(400, { message: `The upstream provider's content filter refused the request: ${message}` }, headers);
    default:
      return upstreamError(502, { message }, headers);
  }
}

export function minimaxError(status: number, bodyText: string, headers: UpstreamHeaders): GatewayError {
  const body = parseErrorBody(bodyText);
  return (isRecord(body) ? minimaxBaseRespError(body.base_resp, headers) : null) ?? openAICompatibleError(status, bodyText, headers);
}
