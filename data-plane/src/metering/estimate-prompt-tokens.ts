// Prompt tokens of a chat request, counted when the upstream reports no usage. OpenAI's accounting
// for chat: 3 tokens of framing per message, the role and the text, 1 more for a `name`, and 3 that
// prime the reply. Text is string content, text parts, assistant tool calls (name and arguments) and
// the tool definitions (as JSON, close to what providers render). The estimate leaves images, audio and
// files out (their count follows each provider's own rules); the upper bound held before the call counts
// them at their worst (issue 13, defect 3).
// Strings are read with memberOf: a long prompt's text is never built for the bound (http/read-json-bytes.ts).
import { isText, memberOf, textOf, utf8LengthOf, type LongString } from '../http/read-json-bytes.ts';
import { countTokens } from './count-tokens.ts';

const TOKENS_PER_MESSAGE = 3;
const TOKENS_PER_NAME = 1;
const REPLY_PRIMING_TOKENS = 3;
/**
 * An image part in the upper bound: above the most any provider we know counts for one image at its
 * highest detail (OpenAI's patch-based models about 3,800, Anthropic about 1,600 at 1.15 megapixels,
 * Gemini's highest media resolution a few thousand).
 */
export const IMAGE_PART_TOKENS_UPPER_BOUND = 8_192;

export function estimatePromptTokens(messages: readonly unknown[], tools?: unknown): number {
  const { texts, framing } = promptTexts(messages, tools);
  return framing + countTokens(texts.map(textOf).join('\n'));
}

/**
 * A bound the real count cannot exceed, with no tokenizer work (a byte count): a byte-level BPE token
 * (o200k, cl100k, and the SentencePiece families with byte fallback) covers at least one byte. Meant
 * for reserving spend before the call, where overestimating is safe and time is on the hot path.
 */
export function promptTokensUpperBound(messages: readonly unknown[], tools?: unknown): number {
  const { texts, framing } = promptTexts(messages, tools);
  let bytes = 0;
  for (const text of texts) bytes += utf8LengthOf(text) + 1;
  return framing + bytes + mediaTokensUpperBound(messages);
}

/**
 * Images, audio and files in content parts: an image at IMAGE_PART_TOKENS_UPPER_BOUND, audio and files
 * at one token per byte of their data as sent (far above what audio is counted at; a file's pages are
 * counted as text and as images, so its bytes are a fair bound), and at least an image's bound each.
 */
function mediaTokensUpperBound(messages: readonly unknown[]): number {
  let tokens = 0;
  for (const message of messages) {
    if (message === null || typeof message !== 'object') continue;
    const content = memberOf(message, 'content');
    if (!Array.isArray(content)) continue;
    for (const part of content) {
      const type = (part as { type?: unknown } | null)?.type;
      if (type === 'image_url') tokens += IMAGE_PART_TOKENS_UPPER_BOUND;
      else if (type === 'input_audio' || type === 'file') tokens += Math.max(IMAGE_PART_TOKENS_UPPER_BOUND, dataBytes(part));
    }
  }
  return tokens;
}

/** The bytes of a part's string fields (its base64 data, a file's id or name), one level deep. */
function dataBytes(part: unknown): number {
  let bytes = 0;
  for (const value of Object.values(part as Record<string, unknown>)) {
    if (value === null || typeof value !== 'object') continue;
    for (const key of Object.keys(value)) {
      const field = memberOf(value, key);
      if (isText(field)) bytes += field.length;
    }
  }
  return bytes;
}

function promptTexts(messages: readonly unknown[], tools: unknown): { texts: Array<string | LongString>; framing: number } {
  const texts: Array<string | LongString> = [];
  let framing = REPLY_PRIMING_TOKENS;
  for (const message of messages) {
    if (message === null || typeof message !== 'object') continue;
    const role = memberOf(message, 'role');
    const name = memberOf(message, 'name');
    const content = memberOf(message, 'content');
    const toolCalls = (message as Record<string, unknown>).tool_calls;
    framing += TOKENS_PER_MESSAGE;
    if (isText(role)) texts.push(role);
    if (isText(name)) {
      framing += TOKENS_PER_NAME;
      texts.push(name);
    }
    if (isText(content)) texts.push(content);
    else if (Array.isArray(content)) {
      for (const part of content) {
        const text = part === null || typeof part !== 'object' ? undefined : memberOf(part, 'text');
        if (isText(text)) texts.push(text);
      }
    }
    if (Array.isArray(toolCalls)) {
      for (const call of toolCalls) {
        const called = (call as { function?: unknown } | null)?.function;
        if (called === null || typeof called !== 'object') continue;
        const calledName = memberOf(called, 'name');
        const calledArguments = memberOf(called, 'arguments');
        if (isText(calledName)) texts.push(calledName);
        if (isText(calledArguments)) texts.push(calledArguments);
      }
    }
  }
  if (Array.isArray(tools) && tools.length > 0) texts.push(JSON.stringify(tools));
  return { texts, framing };
}
