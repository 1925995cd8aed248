// Keeps the generated text of an answer (a `chat.completion` body or one chunk event, FIM's included)
// for the estimate, without parsing it: a byte search for the text-carrying keys, and the still-escaped
// string value handed to CompletionText (unescaped only if it is ever counted). Every translating
// adapter writes OpenAI's shape; the natively relayed APIs are covered too: Anthropic's text, thinking
// and tool-input deltas, and the Responses API's `delta` strings (OpenAI's own events, `event:` line
// first; their `.done` events repeat the whole text, so only the deltas of a Responses stream count).
import { latin1Text } from '../http/buffer-text.ts';
import type { CompletionText } from './completion-text.ts';

// A text-carrying key, its colon and the opening quote of a string value (null or an object is skipped).
const TEXT_VALUE = /"(?:content|reasoning|reasoning_content|arguments|text|thinking|partial_json)"[ \t]*:[ \t]*"/g;
const RESPONSES_DELTA_VALUE = /"delta"[ \t]*:[ \t]*"/g;

/** `bytes`: the event read as latin1, when the caller has it already. */
export function collectGeneratedText(event: Uint8Array, into: CompletionText, bytes?: string): void {
  const buffer = Buffer.isBuffer(event) ? event : Buffer.from(event.buffer, event.byteOffset, event.byteLength);
  // Searched as latin1, one character per byte, so string offsets are byte offsets; one regex pass costs
  // about a microsecond per chunk, several times less than a Buffer#indexOf per key.
  bytes ??= latin1Text(buffer, 0, buffer.length);
  const pattern = bytes.startsWith('event: response.') ? RESPONSES_DELTA_VALUE : TEXT_VALUE;
  pattern.lastIndex = 0;
  for (let match = pattern.exec(bytes); match !== null; match = pattern.exec(bytes)) {
    const start = match.index + match[0].length;
    const end = closingQuote(bytes, start);
    if (end === -1) return;
    into.appendJsonString(buffer, start, end);
    pattern.lastIndex = end + 1;
  }
}

function closingQuote(bytes: string, from: number): number {
  for (let found = bytes.indexOf('"', from); found !== -1; found = bytes.indexOf('"', found + 1)) {
    // A quote preceded by an odd number of backslashes is escaped.
    let backslashes = 0;
    while (bytes[found - 1 - backslashes] === '\\') backslashes += 1;
    if (backslashes % 2 === 0) return found;
  }
  return -1;
}
