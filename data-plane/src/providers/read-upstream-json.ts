// Reading what a provider answered: its non-streamed body as JSON, and its token counts. Every
// converter reads them the same way, so a malformed answer fails alike across providers.
import { decodeText } from '../http/decode-text.ts';

/** The upstream body parsed as JSON; null when it is not JSON (each converter decides what that means). */
export function parseUpstreamJson(body: Buffer): unknown {
  return parseUpstreamText(decodeText(body));
}

/** The upstream body's text (decodeText) parsed as JSON; null when it is not JSON. */
export function parseUpstreamText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** A token count as the upstream reported it: a whole non-negative number, 0 when absent or malformed. */
export function tokenCount(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.floor(value) : 0;
}
