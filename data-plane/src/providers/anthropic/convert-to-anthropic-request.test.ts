import { refusalOf } from '../../testing/refusal-of.ts';
import { describe, expect, it } from 'vitest';
import { parseChatRequest } from '../../pipeline/parse-chat-request.ts';
import { convertToAnthropicRequest } from './convert-to-anthropic-request.ts';
import { parseUpstreamBody } from '../../testing/upstream-body.ts';

const target = { url: 'https://api.anthropic.test/v1/messages', upstreamModel: 'claude-sonnet-4-5', apiKey: 'sk-ant-test' };

function convert(body: Record<string, unknown>) {
  const chat = parseChatRequest(Buffer.from(JSON.stringify({ model: 'anthropic/claude', ...body })));
  const request = convertToAnthropicRequest(chat, target);
  return { ...request, body: parseUpstreamBody(request.body) };
}

const rejection = (body: Record<string, unknown>) => refusalOf(() => convert(body));

describe('convertToAnthropicRequest', () => {
  it('leaves out an assistant turn that has no content, so no message is sent empty', () => {
    const request = convert({
      messages: [
        { role: 'user', content: 'first' },
        { role: 'assistant', content: '' },
        { role: 'user', content: 'second' },
      ],
    });
    expect(request.body.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'first' },
          { type: 'text', text: 'second' },
        ],
      },
    ]);
  });

  it('translates a conversation with system, images, tool calls and tool results', () => {
    const request = convert({
      stream: true,
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'developer', content: [{ type: 'text', text: 'Long shared context.', cache_control: { type: 'ephemeral' } }] },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Weather and time in Paris? See:' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
            { type: 'image_url', image_url: { url: 'https://example.test/paris.jpg', detail: 'low' }, cache_control: { type: 'ephemeral', ttl: '1h' } },
          ],
        },
        {
          role: 'assistant',
          content: '',
          tool_calls: [
            { id: 'toolu_01', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
            { id: 'toolu_02', type: 'function', function: { name: 'get_time', arguments: '' } },
          ],
        },
        { role: 'tool', tool_call_id: 'toolu_01', content: '18°C' },
        { role: 'tool', tool_call_id: 'toolu_02', content: [{ type: 'text', text: '14:00' }] },
        { role: 'user', content: 'Thanks. Summarise.' },
      ],
      tools: [
        {
          type: 'function',
          function: { name: 'get_weather', description: 'Weather by city', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
        },
        { type: 'function', function: { name: 'get_time' }, cache_control: { type: 'ephemeral' } },
      ],
      tool_choice: 'required',
      parallel_tool_calls: false,
      max_completion_tokens: 1000,
      stop: 'END',
      temperature: 0.3,
      top_p: 0.9,
      user: 'user-42',
    });
    expect(request).toMatchSnapshot();
  });

  it('replaces tool-call ids Anthropic refuses, alike in tool_use and tool_result, and keeps valid ones', () => {
    const request = convert({
      messages: [
        { role: 'user', content: 'Weather in Paris, Rome and Oslo?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'functions.get_weather:0', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
            { id: 'functions.get_weather_0', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
            { id: 'toolu_01', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'functions.get_weather:0', content: '18°C' },
        { role: 'tool', tool_call_id: 'functions.get_weather_0', content: '21°C' },
        { role: 'tool', tool_call_id: 'toolu_01', content: '3°C' },
      ],
    });
    expect(request.body.messages).toMatchSnapshot();
  });

  it('defaults max_tokens to 4096, prefers max_completion_tokens, and adds the thinking budget on top', () => {
    expect(convert({ messages: [{ role: 'user', content: 'hi' }] }).body).toEqual({
      model: 'claude-sonnet-4-5',
      max_tokens: 4096,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
    });
    expect(convert({ messages: [{ role: 'user', content: 'hi' }], max_tokens: 10, max_completion_tokens: 20 }).body.max_tokens).toBe(20);
    expect(convert({ messages: [{ role: 'user', content: 'hi' }], max_tokens: 100, reasoning_effort: 'low' }).body).toMatchObject({
      max_tokens: 2148,
      thinking: { type: 'enabled', budget_tokens: 2048 },
    });
    expect(convert({ messages: [{ role: 'user', content: 'hi' }], reasoning: { max_tokens: 3000 } }).body.thinking).toEqual({
      type: 'enabled',
      budget_tokens: 3000,
    });
    expect(convert({ messages: [{ role: 'user', content: 'hi' }], reasoning: { effort: 'high' } }).body.thinking).toEqual({
      type: 'enabled',
      budget_tokens: 24576,
    });
    expect(convert({ messages: [{ role: 'user', content: 'hi' }], reasoning_effort: 'none' }).body.thinking).toBeUndefined();
  });

  it.each([
    ['auto', { type: 'auto' }],
    ['none', { type: 'none' }],
    ['required', { type: 'any' }],
    [
      { type: 'function', function: { name: 'get_weather' } },
      { type: 'tool', name: 'get_weather' },
    ],
  ])('maps tool_choice %j', (toolChoice, expected) => {
    expect(convert({ messages: [{ role: 'user', content: 'hi' }], tool_choice: toolChoice }).body.tool_choice).toEqual(expected);
  });

  it('sends anthropic-version and x-api-key, and no key header when the provider has none', () => {
    expect(convert({ messages: [{ role: 'user', content: 'hi' }] }).headers).toEqual({
      'content-type': 'application/json',
      'anthropic-version': '2023-06-01',
      'x-api-key': 'sk-ant-test',
    });
    const chat = parseChatRequest(Buffer.from('{"model":"a/b","messages":[{"role":"user","content":"hi"}]}'));
    expect(convertToAnthropicRequest(chat, { ...target, apiKey: null }).headers['x-api-key']).toBeUndefined();
  });

  it('refuses what the Messages API cannot express, naming the parameter', () => {
    expect(rejection({ messages: [{ role: 'user', content: 'hi' }], n: 2 })).toMatchSnapshot();
    expect(rejection({ messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: '', format: 'wav' } }] }] })).toMatchObject({
      status: 400,
      param: 'messages[0].content[0]',
    });
    expect(
      rejection({ messages: [{ role: 'assistant', tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: '{not json' } }] }] }),
    ).toMatchObject({ status: 400, param: 'messages[0].tool_calls[0].function.arguments' });
    expect(rejection({ messages: [{ role: 'user', content: 'hi' }], reasoning_effort: 'extreme' })).toMatchObject({ status: 400, param: 'reasoning_effort' });
  });
});
