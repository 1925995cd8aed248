// Shared by the adapters whose upstream restricts tool-call ids (Mistral, Anthropic): each id the
// upstream would refuse is replaced by one derived from it (SHA-256, base 62), so an assistant's
// `tool_calls[].id` and the matching tool message's `tool_call_id` agree without any state, the same
// conversation sent twice maps the same way, and two originals never share an id within a request.
import { createHash } from 'node:crypto';

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** `length` base-62 characters derived from `original` (attempt 0) or from `original#attempt` (retries after a clash). */
export function hashToolCallId(original: string, attempt: number, length: number): string {
  const digest = createHash('sha256')
    .update(attempt === 0 ? original : `${original}#${attempt}`)
    .digest();
  let id = '';
  for (let index = 0; index < length; index += 1) id += ALPHABET[digest[index]! % ALPHABET.length];
  return id;
}

/**
 * Returns a per-request mapper: ids `isValid` accepts are kept, others become `derive(original, attempt)`
 * (attempt 0, 1, … until valid and not taken by another original); the same original always maps the same way.
 */
export function createToolCallIdNormalizer(
  isValid: (id: string) => boolean,
  derive: (original: string, attempt: number) => string,
): (original: string) => string {
  const byOriginal = new Map<string, string>();
  const taken = new Map<string, string>();
  return function normalizeToolCallId(original: string): string {
    const known = byOriginal.get(original);
    if (known !== undefined) return known;
    let id = original;
    for (let attempt = 0; !isValid(id) || (taken.has(id) && taken.get(id) !== original); attempt += 1) id = derive(original, attempt);
    byOriginal.set(original, id);
    taken.set(id, original);
    return id;
  };
}
