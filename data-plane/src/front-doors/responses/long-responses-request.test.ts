// A long Responses body is read in its bytes (http/read-json-bytes.ts): OpenAI's own /responses gets the
// client's bytes with the model spliced in and `store: false` added, the chat request and the estimates
// are what they were when the body was decoded and parsed, and a body the reader declines is served as before.
import { describe, expect, it } from 'vitest';
import { LongString, memberOf } from '../../http/read-json-bytes.ts';
import { estimatePromptTokens, promptTokensUpperBound } from '../../metering/estimate-prompt-tokens.ts';
import { readJsonObject } from '../../pipeline/read-request-body.ts';
import type { ChatRequest } from '../../providers/client-requests.ts';
import { escapedPrompt } from '../../testing/escaped-prompt.ts';
import { upstreamBodyText } from '../../testing/upstream-body.ts';
import { convertResponsesRequest } from './convert-responses-request.ts';
import { createResponsesNativeAdapter } from './responses-native-adapter.ts';

const PROMPT = escapedPrompt(1024 * 1024);
const OUTPUT = escapedPrompt(24 * 1024);
const MODEL = 'openai/gpt-5';

/** A 1 MiB Responses body: long instructions, a long user text, a long assistant text, a long tool call and its long output. */
function longBody(extra = ''): string {
  return (
    `{"model":"${MODEL}","instructions":"${OUTPUT}","input":[` +
    `{"role":"user","content":[{"type":"input_text","text":"${PROMPT}"}]},` +
    `{"type":"message","role":"assistant","content":[{"type":"output_text","text":"${OUTPUT}"}]},` +
    `{"type":"function_call","call_id":"call_1","name":"read","arguments":"{\\"path\\":\\"${OUTPUT}\\"}"},` +
    `{"type":"function_call_output","call_id":"call_1","output":"${OUTPUT}"},` +
    `{"role":"user","content":"${OUTPUT}"}],` +
    `"tools":[{"type":"function","name":"read","parameters":{"type":"object"}}],"max_output_tokens":1024${extra}}`
  );
}

/** The same body with a key repeated: the byte reader declines it, so it is decoded and parsed as before. */
function readTheOldWay(text: string) {
  return convertResponsesRequest(Buffer.from(text.replace(/}$/, ',"metadata":{},"metadata":{}}')));
}

/** What OpenAI's /responses gets for the client's body `text`, its upstream model gpt-5. */
function sent(text: string): string {
  const converted = convertResponsesRequest(Buffer.from(text));
  const target = { url: 'https://api.openai.test/v1/chat/completions', upstreamModel: 'gpt-5', apiKey: 'sk-test' };
  return upstreamBodyText(
    createResponsesNativeAdapter(converted.body, () => {}, converted.source, converted.chat.readInBytes === true).convertRequest({} as ChatRequest, target)
      .body,
  );
}

describe('a long Responses body', () => {
  it("reaches OpenAI as the client's bytes, the model replaced and store: false added, its prompt never built", () => {
    const text = longBody();
    const converted = convertResponsesRequest(Buffer.from(text));
    expect(converted.source).toBeDefined();
    promptTokensUpperBound(converted.chat.body.messages, converted.chat.body.tools);
    // Compared as text: a failing comparison of a long prompt would print all of it.
    expect(sent(text) === text.replace(`"model":"${MODEL}"`, '"model":"gpt-5"').replace(/}$/, ',"store":false}')).toBe(true);
    expect(memberOf((converted.chat.body.messages[1] as { content: object[] }).content[0]!, 'text')).toBeInstanceOf(LongString);
  });

  it("keeps the client's own store: false where it is", () => {
    const text = longBody(',"store":false,"temperature":0.2');
    expect(sent(text) === text.replace(`"model":"${MODEL}"`, '"model":"gpt-5"')).toBe(true);
  });

  it('with routing extras, is serialised without them as before', () => {
    const text = longBody(',"provider":{"order":["openai"]}');
    const before = readJsonObject(text);
    const { provider: _provider, ...rest } = before;
    const upstream = sent(text);
    expect(JSON.stringify(JSON.parse(upstream)) === JSON.stringify({ ...rest, model: 'gpt-5', store: false })).toBe(true);
    // JSON.stringify would have written é and 😀 as themselves: these are the client's bytes.
    expect(upstream.includes(`"${PROMPT}"`)).toBe(true);
  });

  it('converts, and is estimated, exactly as when it was decoded and parsed', () => {
    for (const text of [longBody(), longBody(',"stream":true')]) {
      const now = convertResponsesRequest(Buffer.from(text));
      const before = readTheOldWay(text);
      expect(before.source).toBeUndefined();
      const { readInBytes, ...chat } = now.chat;
      expect(readInBytes).toBe(true);
      expect(JSON.stringify(chat) === JSON.stringify(before.chat)).toBe(true);
      expect(JSON.stringify(now.echo) === JSON.stringify(before.echo)).toBe(true);
      expect(promptTokensUpperBound(now.chat.body.messages, now.chat.body.tools)).toBe(
        promptTokensUpperBound(before.chat.body.messages, before.chat.body.tools),
      );
      expect(estimatePromptTokens(now.chat.body.messages, now.chat.body.tools)).toBe(estimatePromptTokens(before.chat.body.messages, before.chat.body.tools));
    }
  });

  it('a body the reader declines goes upstream serialised, as before', () => {
    const text = longBody(',"temperature":0.2,"temperature":0.3');
    expect(sent(text) === JSON.stringify({ ...readJsonObject(text), model: 'gpt-5', store: false })).toBe(true);
  });
});
