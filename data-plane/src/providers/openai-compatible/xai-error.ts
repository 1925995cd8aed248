// xAI errors (wire-formats.md §2.8) are flat: `{"code": "Client specified an invalid argument" | 429,
// "error": "Incorrect API key provided: …"}`, `code` a string or a number. The OpenAI-compatible reader
// already takes the flat `error` text; what xAI adds is that a refused key comes back as HTTP 400, which
// would tell the caller their request was wrong. It is *our* key, so it is read as a refused key.
import type { GatewayError } from '../../../../shared/src/errors.ts';
import { upstreamError, type UpstreamHeaders } from '../upstream-error.ts';
import { openAICompatibleErrorMessage } from './openai-compatible-error.ts';

export function xaiError(status: number, bodyText: string, headers: UpstreamHeaders): GatewayError {
  const message = openAICompatibleErrorMessage(bodyText);
  const keyRefused = status === 400 && message !== null && /api key/i.test(message);
  return upstreamError(status, { message, kind: keyRefused ? 'credentials_refused' : null }, headers);
}
