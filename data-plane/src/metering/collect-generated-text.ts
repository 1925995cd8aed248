// Keeps the generated text of an answer (a `chat.completion` body or one chunk event, FIM's included)
// for the estimate, without parsing it: a byte search for the text-carrying keys, and the still-escaped
// string value handed to CompletionText (unescaped only if it is ever counted). Every translating
// adapter writes OpenAI's shape; the natively relayed APIs are covered too: Anthropic's text, thinking
// and tool-input deltas, and the Responses API's `delta` strings (its `.done` events repeat the whole
// text, so only the deltas of a Responses stream count).
import type { CompletionText } from './completion-text.ts';

const TEXT_KEYS = ['"content"', '"reasoning"', '"reasoning_content"', '"arguments"', '"text"', '"thinking"', '"partial_json"'].map((key) => Buffer.from(key));
const RESPONSES_EVENT = Buffer.from('"type":"response.');
const RESPONSES_TEXT_KEYS = [Buffer.from('"delta"')];
const SPACE = 0x20;
const TAB = 0x09;
const COLON = 0x3a;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

export function collectGeneratedText(event: Uint8Array, into: CompletionText): void {
  const buffer = Buffer.isBuffer(event) ? event : Buffer.from(event.buffer, event.byteOffset, event.byteLength);
  for (const key of buffer.indexOf(RESPONSES_EVENT) === -1 ? TEXT_KEYS : RESPONSES_TEXT_KEYS) {
    let index = buffer.indexOf(key);
    while (index !== -1) {
      let position = index + key.length;
      while (buffer[position] === SPACE || buffer[position] === TAB) position += 1;
      if (buffer[position] === COLON) {
        position += 1;
        while (buffer[position] === SPACE || buffer[position] === TAB) position += 1;
        if (buffer[position] === QUOTE) {
          const end = closingQuote(buffer, position + 1);
          if (end !== -1) into.appendJsonString(buffer, position + 1, end);
        }
      }
      index = buffer.indexOf(key, index + key.length);
    }
  }
}

function closingQuote(buffer: Buffer, from: number): number {
  let cursor = from;
  while (cursor < buffer.length) {
    const byte = buffer[cursor];
    if (byte === BACKSLASH) cursor += 2;
    else if (byte === QUOTE) return cursor;
    else cursor += 1;
  }
  return -1;
}
