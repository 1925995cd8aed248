import { refusalOf } from '../testing/refusal-of.ts';
import { describe, expect, it } from 'vitest';
import { convertToOpenAICompatibleRequest } from '../providers/openai-compatible/convert-to-openai-compatible-request.ts';
import { parseChatRequest } from './parse-chat-request.ts';
import { parseUpstreamBody } from '../testing/upstream-body.ts';
import { READER_MIN_BYTES } from '../http/read-json-bytes.ts';

const bytes = (text: string) => Buffer.from(text);

const REFUSED: Array<[string, string, string | null]> = [
  ['{"model":', 'invalid_json', null],
  ['[1,2]', 'invalid_request', null],
  ['{"messages":[{}]}', 'invalid_request', 'model'],
  ['{"model":3,"messages":[{}]}', 'invalid_request', 'model'],
  ['{"model":"a/b"}', 'invalid_request', 'messages'],
  ['{"model":"a/b","messages":[]}', 'invalid_request', 'messages'],
  ['{"model":"a/b","messages":[{"role":"user","content":"x"}],"stream":"yes"}', 'invalid_request', 'stream'],
  ['{"model":"a/b","messages":[1]}', 'invalid_request', 'messages[0]'],
  ['{"model":"a/b","messages":[{"role":"user","content":"x"},{"role":"robot","content":"x"}]}', 'invalid_request', 'messages[1].role'],
  ['{"model":"a/b","messages":[{"role":"user"}]}', 'invalid_request', 'messages[0].content'],
  ['{"model":"a/b","messages":[{"role":"user","content":7}]}', 'invalid_request', 'messages[0].content'],
  ['{"model":"a/b","messages":[{"role":"tool","content":"42"}]}', 'invalid_request', 'messages[0].tool_call_id'],
];

describe('parseChatRequest', () => {
  it('accepts a minimal body and reads stream flags', () => {
    const parsed = parseChatRequest(bytes('{"model":"a/b","messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":{"include_usage":true}}'));
    expect(parsed).toMatchObject({ model: 'a/b', stream: true, clientWantsStreamUsage: true });
  });

  it('accepts an assistant turn without content (it carries tool calls) and content parts', () => {
    const body = {
      model: 'a/b',
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'weather?' }] },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: 'sunny' },
      ],
    };
    expect(parseChatRequest(bytes(JSON.stringify(body))).body.messages).toHaveLength(3);
  });

  it.each(REFUSED)('%s → 400 %s (param %s)', (body, code, param) => {
    expect(refusalOf(() => parseChatRequest(bytes(body)))).toMatchObject({ status: 400, code, param });
  });

  // A long body is read in its bytes (http/read-json-bytes.ts); its refusals are the same, word for word.
  const LONG = 'a long context line\\n'.repeat(READER_MIN_BYTES / 10);
  it.each(REFUSED.filter(([body]) => body.startsWith('{')))('%s after a long prompt → the same refusal', (body) => {
    const long = body.includes('"content":"x"') ? body.replace('"content":"x"', `"content":"${LONG}"`) : `{"pad":"${LONG}",${body.slice(1)}`;
    expect(refusalOf(() => parseChatRequest(bytes(long)))).toEqual(refusalOf(() => parseChatRequest(bytes(body))));
  });

  it.each([
    ['a raw newline', `{"model":"a/b","messages":[{"role":"user","content":"${LONG}\n"}]}`],
    ['a bad escape', `{"model":"a/b","messages":[{"role":"user","content":"${LONG}\\q"}]}`],
    ['nesting past 128 levels', `{"model":"a/b","messages":[{"role":"user","content":"${LONG}"}],"x":${'['.repeat(200)}${']'.repeat(200)}}`],
    ['an array body', `[{"model":"a/b","messages":[{"role":"user","content":"${LONG}"}]}]`],
  ])('a long body with %s is refused as a short one is', (_name, body) => {
    const refusal = refusalOf(() => parseChatRequest(bytes(body)));
    expect(refusal).toMatchObject({ status: 400 });
    expect(refusal).toEqual(refusalOf(() => parseChatRequest(bytes(body.replace(LONG, 'short')))));
  });

  it('reads a long body to the same request as JSON.parse, and keeps its bytes to splice', () => {
    const text = `{"model":"a/b","messages":[{"role":"system","content":"be brief"},{"role":"user","content":[{"type":"text","text":"${LONG}"}]},{"role":"user","content":"caf\\u00e9 ${LONG} ✓"}],"stream":true,"stream_options":{"include_usage":true}}`;
    const parsed = parseChatRequest(bytes(text));
    expect(parsed).toMatchObject({ model: 'a/b', stream: true, clientWantsStreamUsage: true });
    expect(parsed.source).toMatchObject({ text: null, bytes: Buffer.from(text) });
    expect(JSON.stringify(parsed.body) === JSON.stringify(JSON.parse(text))).toBe(true);
  });
});

describe('convertToOpenAICompatibleRequest', () => {
  it('replaces the model and always asks for stream usage, keeping the other fields', () => {
    const chat = parseChatRequest(bytes('{"model":"a/b","messages":[{"role":"user","content":"hi"}],"stream":true,"temperature":0.2}'));
    const upstream = convertToOpenAICompatibleRequest(chat, { url: 'http://upstream.test/v1/chat/completions', upstreamModel: 'b-upstream', apiKey: 'sk-up' });
    expect(upstream.url).toBe('http://upstream.test/v1/chat/completions');
    expect(upstream.headers).toEqual({ 'content-type': 'application/json', authorization: 'Bearer sk-up' });
    expect(parseUpstreamBody(upstream.body)).toEqual({
      model: 'b-upstream',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      temperature: 0.2,
      stream_options: { include_usage: true },
    });
    expect(chat.clientWantsStreamUsage).toBe(false);
  });

  it('leaves stream_options alone for non-streamed requests', () => {
    const chat = parseChatRequest(bytes('{"model":"a/b","messages":[{"role":"user","content":"hi"}]}'));
    const upstream = convertToOpenAICompatibleRequest(chat, { url: 'http://upstream.test/v1/chat/completions', upstreamModel: 'b', apiKey: null });
    expect(upstream.headers).toEqual({ 'content-type': 'application/json' });
    expect(parseUpstreamBody(upstream.body)).toEqual({ model: 'b', messages: [{ role: 'user', content: 'hi' }] });
  });
});
