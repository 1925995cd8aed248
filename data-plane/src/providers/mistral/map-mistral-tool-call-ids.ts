// Mistral only accepts tool-call ids of exactly 9 letters and digits; OpenAI's are `call_…` and other
// providers' differ again (a conversation may have started elsewhere). Each id that does not fit is
// replaced by one derived from it (SHA-256, base 62), so the assistant's `tool_calls[].id` and the
// matching tool message's `tool_call_id` agree without any state, and the same conversation sent twice
// maps the same way. Ids that already fit, such as those Mistral generated, are kept. Responses carry
// Mistral's own ids for the calls it makes, which are valid and come back unchanged on the next turn;
// so no reverse mapping is kept (the client's original ids only ever appear in its own history).
import { createHash } from 'node:crypto';

const VALID_ID = /^[a-zA-Z0-9]{9}$/;
const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

function deriveId(original: string, attempt: number): string {
  const digest = createHash('sha256').update(attempt === 0 ? original : `${original}#${attempt}`).digest();
  let id = '';
  for (let index = 0; index < 9; index += 1) id += ALPHABET[digest[index]! % ALPHABET.length];
  return id;
}

/** Returns a per-request mapper: the same original id always gets the same Mistral id, and two originals never share one. */
export function createMistralToolCallIdMapper(): (original: string) => string {
  const byOriginal = new Map<string, string>();
  const taken = new Map<string, string>();
  return function toMistralToolCallId(original: string): string {
    const known = byOriginal.get(original);
    if (known !== undefined) return known;
    let id = original;
    for (let attempt = 0; !VALID_ID.test(id) || (taken.has(id) && taken.get(id) !== original); attempt += 1) id = deriveId(original, attempt);
    byOriginal.set(original, id);
    taken.set(id, original);
    return id;
  };
}
