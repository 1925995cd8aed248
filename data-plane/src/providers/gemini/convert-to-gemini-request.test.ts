import { refusalOf } from '../../testing/refusal-of.ts';
import { describe, expect, it } from 'vitest';
import { parseChatRequest } from '../../pipeline/parse-chat-request.ts';
import { convertToGeminiRequest } from './convert-to-gemini-request.ts';
import { parseUpstreamBody } from '../../testing/upstream-body.ts';

const target = { url: 'https://generativelanguage.googleapis.com/v1beta/models', upstreamModel: 'gemini-2.5-flash', apiKey: 'AIza-test' };

function convert(body: Record<string, unknown>, overrides: { upstreamModel?: string; apiKey?: string | null } = {}) {
  const chat = parseChatRequest(Buffer.from(JSON.stringify({ model: 'google-native/gemini', ...body })));
  const request = convertToGeminiRequest(chat, { ...target, ...overrides });
  return { ...request, body: parseUpstreamBody(request.body) };
}

const rejection = (body: Record<string, unknown>) => refusalOf(() => convert(body));

const hi = [{ role: 'user', content: 'hi' }];

describe('convertToGeminiRequest', () => {
  it('translates a conversation with system, images, tool calls, tool results and tools', () => {
    const request = convert({
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'developer', content: [{ type: 'text', text: 'Answer in French.' }] },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Weather and time in Paris? See:' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
            { type: 'image_url', image_url: { url: 'https://example.test/paris.JPG?size=large', detail: 'low' } },
          ],
        },
        {
          role: 'assistant',
          content: '',
          tool_calls: [
            { id: 'call_0', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
            { id: 'call_1', type: 'function', function: { name: 'get_time', arguments: '' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_0', content: '18°C' },
        { role: 'tool', tool_call_id: 'call_1', content: [{ type: 'text', text: '14:00' }] },
        { role: 'user', content: 'Thanks. Summarise.' },
      ],
      tools: [
        {
          type: 'function',
          function: { name: 'get_weather', description: 'Weather by city', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
        },
        { type: 'function', function: { name: 'get_time' } },
      ],
      tool_choice: 'required',
      parallel_tool_calls: false,
      max_completion_tokens: 1000,
      stop: 'END',
      temperature: 0.3,
      top_p: 0.9,
      n: 2,
      seed: 7,
      user: 'user-42',
    });
    expect(request).toMatchSnapshot();
  });

  it('streams through streamGenerateContent?alt=sse, strips a models/ prefix, and sends no key header without a key', () => {
    const streamed = convert({ messages: hi, stream: true }, { upstreamModel: 'models/gemini-2.5-pro', apiKey: null });
    expect(streamed.url).toBe('https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse');
    expect(streamed.headers).toEqual({ 'content-type': 'application/json' });
    expect(streamed.body).toEqual({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] });
  });

  it.each([
    ['auto', { mode: 'AUTO' }],
    ['none', { mode: 'NONE' }],
    ['required', { mode: 'ANY' }],
    [
      { type: 'function', function: { name: 'get_weather' } },
      { mode: 'ANY', allowedFunctionNames: ['get_weather'] },
    ],
  ])('maps tool_choice %j', (toolChoice, expected) => {
    expect(convert({ messages: hi, tool_choice: toolChoice }).body.toolConfig).toEqual({ functionCallingConfig: expected });
  });

  it('maps max_tokens, response_format and reasoning into generationConfig', () => {
    expect(convert({ messages: hi, max_tokens: 10, max_completion_tokens: 20 }).body.generationConfig).toEqual({ maxOutputTokens: 20 });
    expect(convert({ messages: hi, max_tokens: 10 }).body.generationConfig).toEqual({ maxOutputTokens: 10 });
    const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] };
    expect(convert({ messages: hi, response_format: { type: 'json_schema', json_schema: { name: 'a', schema, strict: true } } }).body.generationConfig).toEqual(
      {
        responseMimeType: 'application/json',
        responseJsonSchema: schema,
      },
    );
    expect(convert({ messages: hi, response_format: { type: 'json_object' } }).body.generationConfig).toEqual({ responseMimeType: 'application/json' });
    expect(convert({ messages: hi, response_format: { type: 'text' } }).body.generationConfig).toBeUndefined();
    expect(convert({ messages: hi, reasoning_effort: 'low' }).body.generationConfig).toEqual({
      thinkingConfig: { thinkingBudget: 1024, includeThoughts: true },
    });
    expect(convert({ messages: hi, reasoning_effort: 'none' }).body.generationConfig).toEqual({ thinkingConfig: { thinkingBudget: 0 } });
    expect(convert({ messages: hi, reasoning: { max_tokens: 3000 } }).body.generationConfig).toEqual({
      thinkingConfig: { thinkingBudget: 3000, includeThoughts: true },
    });
    expect(convert({ messages: hi, reasoning: { effort: 'high' } }).body.generationConfig.thinkingConfig.thinkingBudget).toBe(24576);
  });

  it("sends a tool call's thought signature back as the functionCall part's thoughtSignature", () => {
    const call = { id: 'call_0', type: 'function', function: { name: 'f', arguments: '{}' }, extra_content: { google: { thought_signature: 'c2ln' } } };
    const { contents } = convert({
      messages: [...hi, { role: 'assistant', content: null, tool_calls: [call] }, { role: 'tool', tool_call_id: 'call_0', content: 'ok' }],
    }).body;
    expect(contents[1]).toEqual({ role: 'model', parts: [{ functionCall: { name: 'f', args: {} }, thoughtSignature: 'c2ln' }] });
  });

  it('names a function response after the latest call with that id (ids repeat across turns)', () => {
    const turn = (name: string) => [
      { role: 'assistant', tool_calls: [{ id: 'call_0', type: 'function', function: { name, arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'call_0', content: `${name} done` },
    ];
    const { contents } = convert({ messages: [...hi, ...turn('first'), ...turn('second')] }).body;
    expect(contents.map((content: { parts: Array<{ functionResponse?: { name: string } }> }) => content.parts[0]?.functionResponse?.name)).toEqual([
      undefined,
      undefined,
      'first',
      undefined,
      'second',
    ]);
  });

  it('refuses what Gemini cannot express, naming the parameter', () => {
    expect(rejection({ messages: [{ role: 'tool', tool_call_id: 'call_9', content: 'x' }] })).toMatchSnapshot();
    expect(rejection({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'ftp://example.test/a.png' } }] }] })).toMatchObject({
      status: 400,
      message: 'Image URLs must be base64 data URLs or http(s) URLs.',
      param: 'messages[0].content[0]',
    });
    expect(rejection({ messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: '', format: 'wav' } }] }] })).toMatchObject({
      status: 400,
      param: 'messages[0].content[0]',
    });
    expect(rejection({ messages: [{ role: 'system', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,AA==' } }] }] })).toMatchObject({
      status: 400,
      param: 'messages[0].content[0]',
    });
    expect(
      rejection({ messages: [{ role: 'assistant', tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: '{not json' } }] }] }),
    ).toMatchObject({ status: 400, param: 'messages[0].tool_calls[0].function.arguments' });
    expect(rejection({ messages: hi, reasoning_effort: 'extreme' })).toMatchObject({ status: 400, param: 'reasoning_effort' });
    expect(rejection({ messages: hi, response_format: { type: 'json_schema', json_schema: { name: 'a' } } })).toMatchObject({
      status: 400,
      param: 'response_format',
    });
  });
});
