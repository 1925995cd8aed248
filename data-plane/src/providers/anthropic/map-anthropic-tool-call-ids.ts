// Anthropic only accepts tool_use ids matching ^[a-zA-Z0-9_-]+$, and each tool_result must name an
// earlier tool_use; clients may replay ids from other providers (`call:1`, `functions.get_weather:0`).
// Ids that fit are kept; others become their sanitised text plus a short hash of the original, so the
// same id maps identically in tool_use and tool_result, and ids that sanitise alike stay distinct.
// Response ids are Anthropic's own (`toolu_…`), always valid, so no reverse mapping is needed.
import { createToolCallIdNormalizer, hashToolCallId } from '../normalize-tool-call-ids.ts';

const VALID_ID = /^[a-zA-Z0-9_-]+$/;
/** Keeps derived ids short; the hash, not the prefix, is what makes them unique. */
const MAX_PREFIX = 48;

function deriveAnthropicId(original: string, attempt: number): string {
  const prefix = original.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, MAX_PREFIX);
  return `${prefix}_${hashToolCallId(original, attempt, 8)}`;
}

/** Returns a per-request mapper: the same original id always gets the same Anthropic id, and two originals never share one. */
export function createAnthropicToolCallIdMapper(): (original: string) => string {
  return createToolCallIdNormalizer((id) => VALID_ID.test(id), deriveAnthropicId);
}
