// Mistral only accepts tool-call ids of exactly 9 letters and digits; OpenAI's are `call_…` and other
// providers' differ again (a conversation may have started elsewhere). Each id that does not fit is
// replaced by one derived from it (SHA-256, base 62), so the assistant's `tool_calls[].id` and the
// matching tool message's `tool_call_id` agree without any state, and the same conversation sent twice
// maps the same way. Ids that already fit, such as those Mistral generated, are kept. Responses carry
// Mistral's own ids for the calls it makes, which are valid and come back unchanged on the next turn;
// so no reverse mapping is kept (the client's original ids only ever appear in its own history).
import { createToolCallIdNormalizer, hashToolCallId } from '../normalize-tool-call-ids.ts';

const VALID_ID = /^[a-zA-Z0-9]{9}$/;

/** Returns a per-request mapper: the same original id always gets the same Mistral id, and two originals never share one. */
export function createMistralToolCallIdMapper(): (original: string) => string {
  return createToolCallIdNormalizer(
    (id) => VALID_ID.test(id),
    (original, attempt) => hashToolCallId(original, attempt, 9),
  );
}
