// xAI errors (wire-formats.md §2.8) are flat: `{"code": "Client specified an invalid argument" | 429,
// "error": "Incorrect API key provided: …"}`, `code` a string or a number. The generic mapping already
// reads the flat `error` text; what xAI adds is that a refused key comes back as HTTP 400, which would
// tell the caller their request was wrong. It is *our* key, so it becomes a 502 like any 401.
import { GatewayError } from '../../../../shared/src/errors.ts';
import { openAICompatibleError } from './openai-compatible-error.ts';

function flatErrorText(bodyText: string): string | null {
  try {
    const parsed = JSON.parse(bodyText) as { error?: unknown } | null;
    return typeof parsed?.error === 'string' ? parsed.error : null;
  } catch {
    return null;
  }
}

export function xaiError(status: number, bodyText: string, headers: Record<string, string | string[] | undefined>): GatewayError {
  const text = status === 400 ? flatErrorText(bodyText) : null;
  if (text !== null && /api key/i.test(text)) return new GatewayError('upstream_error', `The upstream provider refused the gateway's credentials: ${text}`);
  return openAICompatibleError(status, bodyText, headers);
}
