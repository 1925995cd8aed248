// Prompt tokens of a chat request, counted when the upstream reports no usage. OpenAI's accounting
// for chat: 3 tokens of framing per message, the role and the text, 1 more for a `name`, and 3 that
// prime the reply. Text is string content, text parts, assistant tool calls (name and arguments) and
// the tool definitions (as JSON, close to what providers render). Images, audio and files are not
// counted: their price depends on the provider's own rules.
import { countTokens } from './count-tokens.ts';

const TOKENS_PER_MESSAGE = 3;
const TOKENS_PER_NAME = 1;
const REPLY_PRIMING_TOKENS = 3;

export function estimatePromptTokens(messages: readonly unknown[], tools?: unknown): number {
  const { texts, framing } = promptTexts(messages, tools);
  return framing + countTokens(texts.join('\n'));
}

/**
 * A bound the real count cannot exceed, with no tokenizer work (a byte count): a byte-level BPE token
 * (o200k, cl100k, and the SentencePiece families with byte fallback) covers at least one byte. Meant
 * for reserving spend before the call, where overestimating is safe and time is on the hot path.
 */
export function promptTokensUpperBound(messages: readonly unknown[], tools?: unknown): number {
  const { texts, framing } = promptTexts(messages, tools);
  let bytes = 0;
  for (const text of texts) bytes += Buffer.byteLength(text) + 1;
  return framing + bytes;
}

function promptTexts(messages: readonly unknown[], tools: unknown): { texts: string[]; framing: number } {
  const texts: string[] = [];
  let framing = REPLY_PRIMING_TOKENS;
  for (const message of messages) {
    if (message === null || typeof message !== 'object') continue;
    const { role, content, name, tool_calls: toolCalls } = message as Record<string, unknown>;
    framing += TOKENS_PER_MESSAGE;
    if (typeof role === 'string') texts.push(role);
    if (typeof name === 'string') {
      framing += TOKENS_PER_NAME;
      texts.push(name);
    }
    if (typeof content === 'string') texts.push(content);
    else if (Array.isArray(content)) {
      for (const part of content) {
        const text = (part as { text?: unknown } | null)?.text;
        if (typeof text === 'string') texts.push(text);
      }
    }
    if (Array.isArray(toolCalls)) {
      for (const call of toolCalls) {
        const called = (call as { function?: { name?: unknown; arguments?: unknown } } | null)?.function;
        if (typeof called?.name === 'string') texts.push(called.name);
        if (typeof called?.arguments === 'string') texts.push(called.arguments);
      }
    }
  }
  if (Array.isArray(tools) && tools.length > 0) texts.push(JSON.stringify(tools));
  return { texts, framing };
}
