import { refusalOf } from '../testing/refusal-of.ts';
import { describe, expect, it } from 'vitest';
import { convertToOpenAICompatibleRequest } from '../providers/openai-compatible/convert-to-openai-compatible-request.ts';
import { parseChatRequest } from './parse-chat-request.ts';
import { parseUpstreamBody } from '../testing/upstream-body.ts';

const bytes = (text: string) => Buffer.from(text);

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

  it.each([
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
  ])('%s → 400 %s (param %s)', (body, code, param) => {
    expect(refusalOf(() => parseChatRequest(bytes(body)))).toMatchObject({ status: 400, code, param });
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
