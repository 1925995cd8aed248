import { readFileSync } from 'node:fs';
import { refusalOf } from '../../testing/refusal-of.ts';
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../../shared/src/errors.ts';
import { convertToAnthropicRequest } from '../../providers/anthropic/convert-to-anthropic-request.ts';
import { convertMessagesToChatRequest } from './convert-messages-to-chat-request.ts';
import { parseMessagesRequest } from './parse-messages-request.ts';
import { parseUpstreamBody } from '../../testing/upstream-body.ts';

const fixture = (name: string) => readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url));

function convert(body: Record<string, unknown>) {
  return convertMessagesToChatRequest(parseMessagesRequest(Buffer.from(JSON.stringify({ model: 'openai/gpt-4o-mini', max_tokens: 256, ...body }))));
}

const rejection = (body: Record<string, unknown>) => refusalOf(() => convert(body));

describe('convertMessagesToChatRequest', () => {
  it('translates system blocks, images, thinking, tool_use and tool_result into an OpenAI chat request', () => {
    const chat = convertMessagesToChatRequest(parseMessagesRequest(fixture('messages-tool-round-trip.request.json')));
    expect(chat).toMatchObject({ model: 'openai/gpt-4o-mini', stream: true, clientWantsStreamUsage: true });
    expect(chat.body).toEqual({
      model: 'openai/gpt-4o-mini',
      max_tokens: 1024,
      messages: [
        { role: 'system', content: 'You are a weather bot.\nAnswer briefly.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Weather in Paris? Here is the sky:' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          ],
        },
        {
          role: 'assistant',
          content: 'Checking.',
          tool_calls: [{ id: 'toolu_01A', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
        },
        { role: 'tool', tool_call_id: 'toolu_01A', content: '{"temperature":21}' },
        { role: 'user', content: [{ type: 'text', text: 'And tomorrow?' }] },
      ],
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            description: 'Weather by city',
            parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
          },
        },
      ],
      tool_choice: 'required',
      parallel_tool_calls: false,
      reasoning_effort: 'low',
      stop: ['\n\nHuman:'],
      temperature: 0.2,
      stream: true,
    });
  });

  it('is the inverse of the Anthropic adapter: translating back gives the same conversation', () => {
    const original = {
      system: 'Be brief.',
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Weather in Paris?' }] },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_01A', name: 'get_weather', input: { city: 'Paris' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01A', content: 'sunny' }] },
      ],
      tools: [{ name: 'get_weather', input_schema: { type: 'object', properties: {} } }],
      tool_choice: { type: 'tool', name: 'get_weather' },
      stop_sequences: ['END'],
    };
    const chat = convert(original);
    const back = parseUpstreamBody(
      convertToAnthropicRequest(chat, { url: 'https://api.anthropic.test/v1/messages', upstreamModel: 'claude', apiKey: null }).body,
    );
    expect(back).toEqual({
      model: 'claude',
      max_tokens: 256,
      system: [{ type: 'text', text: 'Be brief.' }],
      messages: original.messages,
      tools: original.tools,
      tool_choice: original.tool_choice,
      stop_sequences: ['END'],
    });
  });

  it('keeps string content as strings and maps each tool_choice', () => {
    expect(
      convert({
        messages: [
          { role: 'user', content: 'hi' },
          { role: 'assistant', content: 'hello' },
        ],
      }).body.messages,
    ).toEqual([
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'hello' },
    ]);
    const choice = (toolChoice: unknown) => {
      const { tool_choice: mapped, parallel_tool_calls: parallel } = convert({ messages: [{ role: 'user', content: 'x' }], tool_choice: toolChoice }).body;
      return { mapped, parallel };
    };
    expect(choice({ type: 'auto' })).toEqual({ mapped: 'auto', parallel: undefined });
    expect(choice({ type: 'none' })).toEqual({ mapped: 'none', parallel: undefined });
    expect(choice({ type: 'tool', name: 'f', disable_parallel_tool_use: true })).toEqual({
      mapped: { type: 'function', function: { name: 'f' } },
      parallel: false,
    });
  });

  it('refuses what only Anthropic can serve with a 400 naming the block', () => {
    expect(rejection({ messages: [{ role: 'user', content: [{ type: 'document', source: {} }] }] })).toMatchObject({
      status: 400,
      message: "'document' blocks in user turns is only supported when the model's provider is Anthropic.",
      param: 'messages.0.content.0',
    });
    expect(rejection({ messages: [{ role: 'user', content: 'x' }], tools: [{ type: 'web_search_20250305', name: 'web_search' }] })).toMatchObject({
      status: 400,
      param: 'tools.0',
    });
    expect(rejection({ messages: [{ role: 'user', content: 'x' }], thinking: { type: 'enabled' } })).toMatchObject({ status: 400, param: 'thinking' });
  });
});

describe('parseMessagesRequest', () => {
  const parse = (text: string) => {
    try {
      parseMessagesRequest(Buffer.from(text));
      return null;
    } catch (error) {
      return error instanceof GatewayError ? { status: error.status, code: error.code, param: error.param } : error;
    }
  };

  it('answers malformed bodies with a 400 that names the field', () => {
    expect(parse('{')).toEqual({ status: 400, code: 'invalid_json', param: null });
    expect(parse('{"max_tokens":1,"messages":[{"role":"user","content":"x"}]}')).toEqual({ status: 400, code: 'invalid_request', param: 'model' });
    expect(parse('{"model":"m","messages":[{"role":"user","content":"x"}]}')).toEqual({ status: 400, code: 'invalid_request', param: 'max_tokens' });
    expect(parse('{"model":"m","max_tokens":1,"messages":[]}')).toEqual({ status: 400, code: 'invalid_request', param: 'messages' });
    expect(parse('{"model":"m","max_tokens":1,"messages":[{"role":"system","content":"x"}]}')).toEqual({
      status: 400,
      code: 'invalid_request',
      param: 'messages.0.role',
    });
    expect(parse('{"model":"m","max_tokens":1,"messages":[{"role":"user","content":"x"}]}')).toBeNull();
  });
});
