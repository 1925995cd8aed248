// A long Messages body is read in its bytes (http/read-json-bytes.ts): the native path sends the
// client's bytes with only the model spliced in, the translation and the estimates see what they saw
// when the body was decoded and parsed, and every body the reader declines gets the old path's answer.
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../../shared/src/errors.ts';
import { decodeText } from '../../http/decode-text.ts';
import { LongString, memberOf } from '../../http/read-json-bytes.ts';
import { estimatePromptTokens, promptTokensUpperBound } from '../../metering/estimate-prompt-tokens.ts';
import { readJsonObject } from '../../pipeline/read-request-body.ts';
import type { ChatRequest } from '../../providers/client-requests.ts';
import { escapedPrompt } from '../../testing/escaped-prompt.ts';
import { upstreamBodyText } from '../../testing/upstream-body.ts';
import { anthropicMessagesDoor } from './anthropic-messages-door.ts';
import { anthropicMessagesErrors } from './anthropic-messages-errors.ts';
import { createAnthropicNativeAdapter } from './anthropic-native-adapter.ts';
import { parseMessagesRequest, type MessagesRequest } from './parse-messages-request.ts';
import { repairAnthropicToolUses } from './repair-anthropic-tool-uses.ts';
import { translateMessagesRequest } from './translate-messages-request.ts';

const MODEL = 'anthropic/claude-echo';
const target = { url: 'https://api.anthropic.test/v1/messages', upstreamModel: 'claude-sonnet-4-5', apiKey: 'sk-ant-test' };
const unusedChat = {} as ChatRequest;

const PROMPT = escapedPrompt(1024 * 1024);
const BLOCK = escapedPrompt(24 * 1024);

/** A 1 MiB Messages body as a client writes it: a long string turn, a long text block and a long tool result. */
function longBody(extra = ''): string {
  return (
    `{"model":"${MODEL}","max_tokens":1024,"system":[{"type":"text","text":"be brief","cache_control":{"type":"ephemeral"}}],` +
    `"messages":[{"role":"user","content":"${PROMPT}"},` +
    `{"role":"assistant","content":[{"type":"text","text":"Reading."},{"type":"tool_use","id":"toolu_1","name":"read","input":{"path":"a.txt"}}]},` +
    `{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":[{"type":"text","text":"${BLOCK}"}]},{"type":"text","text":"${BLOCK}"}]}],` +
    `"temperature":0.5${extra}}`
  );
}

/** What the door did before it read bytes: decode, JSON.parse, the same checks. */
function parsedTheOldWay(text: string): MessagesRequest {
  const body = readJsonObject(text) as MessagesRequest['body'];
  return { body, model: body.model, stream: body.stream === true };
}

function thrown(read: () => unknown): GatewayError {
  try {
    read();
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error('nothing was thrown');
}

describe('a long Messages body', () => {
  it("reaches Anthropic as the client's bytes, only the model replaced, its prompt never built", () => {
    const text = longBody();
    const request = parseMessagesRequest(Buffer.from(text));
    expect(request.source).toBeDefined();
    const { chat } = translateMessagesRequest(request);
    promptTokensUpperBound(chat.body.messages, chat.body.tools);
    const sent = createAnthropicNativeAdapter(request, { version: '', beta: '' }).convertRequest(unusedChat, target).body;
    // Compared as text: a failing comparison of a long prompt would print all of it.
    expect(upstreamBodyText(sent) === text.replace(`"model":"${MODEL}"`, `"model":"${target.upstreamModel}"`)).toBe(true);
    expect(memberOf(request.body.messages[0] as object, 'content')).toBeInstanceOf(LongString);
  });

  it('translates, and is estimated, exactly as when it was decoded and parsed', () => {
    for (const text of [longBody(), longBody(',"stream":true'), longBody(',"tools":[{"name":"read","input_schema":{"type":"object"}}]')]) {
      const now = translateMessagesRequest(parseMessagesRequest(Buffer.from(text)));
      const before = translateMessagesRequest(parsedTheOldWay(text));
      expect(now.onlyNative).toBeNull();
      expect(promptTokensUpperBound(now.chat.body.messages, now.chat.body.tools)).toBe(
        promptTokensUpperBound(before.chat.body.messages, before.chat.body.tools),
      );
      expect(estimatePromptTokens(now.chat.body.messages, now.chat.body.tools)).toBe(estimatePromptTokens(before.chat.body.messages, before.chat.body.tools));
      expect(JSON.stringify(now.chat.body) === JSON.stringify(before.chat.body)).toBe(true);
      expect(now.chat.stream).toBe(before.chat.stream);
    }
  });

  it('with what only Anthropic serves and a long system prompt: the same chat request for the estimates', () => {
    const text = longBody(`,"tools":[{"type":"web_search_20250305","name":"web_search"}]`).replace(
      '"system":[{"type":"text","text":"be brief","cache_control":{"type":"ephemeral"}}]',
      `"system":"${BLOCK}"`,
    );
    const now = translateMessagesRequest(parseMessagesRequest(Buffer.from(text)));
    const before = translateMessagesRequest(parsedTheOldWay(text));
    expect(now.onlyNative?.message).toBe(before.onlyNative?.message);
    expect(estimatePromptTokens(now.chat.body.messages, now.chat.body.tools)).toBe(estimatePromptTokens(before.chat.body.messages, before.chat.body.tools));
    expect(JSON.stringify(now.chat.body) === JSON.stringify(before.chat.body)).toBe(true);
  });

  it('whose tool history is repaired goes upstream serialised, as before, its long strings as the client escaped them', () => {
    // The tool_use's result is missing: the repair adds a placeholder, so the bytes are not the body any more.
    const text = longBody().replace('{"type":"tool_result","tool_use_id":"toolu_1","content":[{"type":"text","text":"' + BLOCK + '"}]},', '');
    const opened = anthropicMessagesDoor.open(Buffer.from(text), { requestId: 'req-1', created: 0, headers: {} });
    const sent = upstreamBodyText(opened.native!.adapter.convertRequest(unusedChat, target).body);
    const parsed = JSON.parse(sent) as { model: string; messages: Array<{ content: unknown }> };
    expect(parsed.model).toBe(target.upstreamModel);
    expect(JSON.stringify(parsed.messages[2]?.content).includes('tool_use_id":"toolu_1"')).toBe(true);
    const before = parsedTheOldWay(text).body;
    const repaired = repairAnthropicToolUses(before.messages).messages;
    expect(JSON.stringify(parsed) === JSON.stringify({ ...before, messages: repaired, model: target.upstreamModel })).toBe(true);
    // JSON.stringify would have written é and 😀 as themselves: these are the client's bytes.
    expect(sent.includes(`"${PROMPT}"`)).toBe(true);
  });
});

/** `text` with two bytes that are not UTF-8 at the start of its prompt. */
function invalidUtf8(text: string): Buffer {
  const at = text.indexOf('"content":"caf') + '"content":"'.length;
  return Buffer.concat([Buffer.from(text.slice(0, at)), Buffer.from([0xff, 0xfe]), Buffer.from(text.slice(at))]);
}

describe('a long Messages body the byte reader declines gets the old answer', () => {
  const errorCases: Array<[string, string, string]> = [
    ['invalid JSON', longBody().slice(0, -1), 'We could not parse the JSON body of your request.'],
    ['nested too deep', longBody(`,"unknown":${'['.repeat(200)}${']'.repeat(200)}`), 'The JSON body is nested more than 128 levels deep.'],
  ];
  it.each(errorCases)('%s: word for word the same error in the Anthropic envelope', (_name, text, message) => {
    const now = thrown(() => parseMessagesRequest(Buffer.from(text)));
    const before = thrown(() => readJsonObject(decodeText(Buffer.from(text))));
    expect(now.message).toBe(message);
    expect(anthropicMessagesErrors.body(now)).toBe(anthropicMessagesErrors.body(before));
    expect(now.status).toBe(before.status);
  });

  it("a failed check on a long body names the same field (the bytes' measurements are read)", () => {
    const text = longBody().replace('{"role":"assistant","content":[', '{"role":"assistant","content":7,"x":[');
    expect(anthropicMessagesErrors.body(thrown(() => parseMessagesRequest(Buffer.from(text))))).toBe(
      JSON.stringify({
        type: 'error',
        error: { type: 'invalid_request_error', message: "'messages.1.content' must be a string or an array of content blocks." },
      }),
    );
  });

  const passedCases: Array<[string, Buffer]> = [
    ['a repeated key', Buffer.from(longBody(',"temperature":0.7'))],
    ['invalid UTF-8', invalidUtf8(longBody())],
  ];
  it.each(passedCases)('%s: parsed from the decoded text, serialised upstream as before', (_name, bytes) => {
    const request = parseMessagesRequest(bytes);
    expect(request.source).toBeUndefined();
    const before = readJsonObject(decodeText(bytes));
    const sent = createAnthropicNativeAdapter(request, { version: '', beta: '' }).convertRequest(unusedChat, target).body;
    expect(sent === JSON.stringify({ ...before, model: target.upstreamModel })).toBe(true);
  });
});
