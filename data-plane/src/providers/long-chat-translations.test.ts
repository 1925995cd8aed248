// A long chat body read in its bytes (http/read-json-bytes.ts) and translated for Anthropic, Gemini or
// Mistral reaches the upstream as the same JSON the old path sent (decode, JSON.parse, translate,
// JSON.stringify), with each long text copied as the client escaped it, never built as a string.
import { describe, expect, it } from 'vitest';
import { LongString, memberOf } from '../http/read-json-bytes.ts';
import { parseChatRequest } from '../pipeline/parse-chat-request.ts';
import { readJsonObject } from '../pipeline/read-request-body.ts';
import { escapedPrompt } from '../testing/escaped-prompt.ts';
import { upstreamBodyText } from '../testing/upstream-body.ts';
import { convertToAnthropicRequest } from './anthropic/convert-to-anthropic-request.ts';
import type { ChatRequest } from './client-requests.ts';
import { convertToGeminiRequest } from './gemini/convert-to-gemini-request.ts';
import { convertToMistralRequest } from './mistral/convert-to-mistral-request.ts';
import type { UpstreamHttpRequest, UpstreamTarget } from './provider-adapter.ts';

const PROMPT = escapedPrompt(256 * 1024);
const BLOCK = escapedPrompt(8 * 1024);
/** Tool-call arguments as a client writes them: JSON in a long JSON string, nesting objects and arrays. */
const ARGUMENTS = JSON.stringify(
  JSON.stringify({
    path: 'src/café.ts',
    edits: [{ find: 'a "quoted"\tline', replace: 'the new line of the file, naïve ✓ '.repeat(100) }],
    options: { dry: false },
  }),
);

/** A long agent turn: long string and part texts, a developer prompt, nested tool calls and their long results. */
function longBody(extra = ''): string {
  return (
    `{"model":"public/m","messages":[` +
    `{"role":"system","content":"${BLOCK}"},{"role":"developer","content":[{"type":"text","text":"${BLOCK}"}]},` +
    `{"role":"user","content":"${PROMPT}"},` +
    `{"role":"assistant","content":"${BLOCK}","tool_calls":[{"id":"call_1","type":"function","function":{"name":"edit","arguments":${ARGUMENTS}}},` +
    `{"id":"call_2","type":"function","function":{"name":"read","arguments":"{\\"path\\":\\"b.txt\\"}"}}]},` +
    `{"role":"tool","tool_call_id":"call_1","content":"${BLOCK}"},` +
    `{"role":"tool","tool_call_id":"call_2","content":[{"type":"text","text":"${BLOCK}"},{"type":"text","text":"b ✓"}]},` +
    `{"role":"user","content":[{"type":"text","text":"${BLOCK}"},{"type":"text","text":"and \\u00e9 this"}]}],` +
    `"temperature":0.3,"max_completion_tokens":512,"tools":[{"type":"function","function":{"name":"edit","parameters":{"type":"object"}}}]${extra}}`
  );
}

/** What the chat door gave before it read bytes: the body decoded and parsed. */
function chatTheOldWay(text: string): ChatRequest {
  const body = readJsonObject(text) as ChatRequest['body'];
  return { body, model: body.model, stream: body.stream === true, clientWantsStreamUsage: false };
}

const target: UpstreamTarget = { url: 'https://upstream.test/v1', upstreamModel: 'up-model', apiKey: 'sk-test' };

const translations: Array<[string, (chat: ChatRequest, target: UpstreamTarget) => UpstreamHttpRequest]> = [
  ['Anthropic', convertToAnthropicRequest],
  ['Gemini', convertToGeminiRequest],
  ['Mistral', convertToMistralRequest],
];

describe.each(translations)('a long chat body translated for %s', (_name, convert) => {
  it.each([[''], [',"stream":true']])('sends the JSON the old path sent, its long texts as the client escaped them (extra %j)', (extra) => {
    const text = longBody(extra);
    const chat = parseChatRequest(Buffer.from(text));
    expect(chat.readInBytes).toBe(true);
    const now = convert(chat, target);
    const before = convert(chatTheOldWay(text), target);
    const sent = upstreamBodyText(now.body);
    // Compared as text: a failing comparison of a long prompt would print all of it.
    expect(JSON.stringify(JSON.parse(sent)) === before.body).toBe(true);
    expect({ url: now.url, headers: now.headers }).toEqual({ url: before.url, headers: before.headers });
    // JSON.stringify would have written é and 😀 as themselves: these are the client's bytes.
    expect(sent.includes(`"${PROMPT}"`)).toBe(true);
    expect(sent.includes(`"${BLOCK}"`)).toBe(true);
    expect(memberOf(chat.body.messages[2]!, 'content')).toBeInstanceOf(LongString);
  });
});
