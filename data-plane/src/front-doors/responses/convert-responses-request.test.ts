import { refusalOf } from '../../testing/refusal-of.ts';
import { describe, expect, it } from 'vitest';
import { convertResponsesRequest } from './convert-responses-request.ts';
import { carryingCallId, selfContainedMessageId, selfContainedReasoningId } from './self-contained-item-id.ts';

const convert = (body: unknown) => convertResponsesRequest(Buffer.from(JSON.stringify(body)));

const refusal = (body: unknown) => refusalOf(() => convert(body));

describe('convertResponsesRequest', () => {
  it('turns a string input and instructions into a system and a user message', () => {
    const { chat, echo } = convert({ model: 'openai/gpt-4o', input: 'Hello', instructions: 'Be brief.' });
    expect(chat).toEqual({
      body: {
        model: 'openai/gpt-4o',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Hello' },
        ],
      },
      model: 'openai/gpt-4o',
      stream: false,
      clientWantsStreamUsage: false,
    });
    expect(echo).toMatchObject({
      model: 'openai/gpt-4o',
      instructions: 'Be brief.',
      tools: [],
      tool_choice: 'auto',
      metadata: {},
      text: { format: { type: 'text' } },
    });
  });

  it('converts what the AI SDK sends for a tool round trip: parts, the call joined to the assistant turn, its output', () => {
    const { chat } = convert({
      model: 'anthropic/claude-sonnet-4.5',
      input: [
        { role: 'system', content: 'You are terse.' },
        {
          role: 'user',
          content: [
            { type: 'input_text', text: 'Weather in Paris?' },
            { type: 'input_image', image_url: 'data:image/png;base64,AAAA', detail: 'low' },
          ],
        },
        { role: 'assistant', content: [{ type: 'output_text', text: 'Checking.' }], id: 'msg_1' },
        { type: 'function_call', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
        { type: 'function_call', call_id: 'call_2', name: 'get_time', arguments: '{}' },
        { type: 'reasoning', id: 'rs_1', summary: [{ type: 'summary_text', text: 'thinking' }] },
        { type: 'function_call_output', call_id: 'call_1', output: '{"temperature":21}' },
        { type: 'function_call_output', call_id: 'call_2', output: [{ type: 'input_text', text: 'noon' }] },
      ],
      tools: [
        {
          type: 'function',
          name: 'get_weather',
          description: 'Weather by city',
          parameters: { type: 'object', properties: { city: { type: 'string' } } },
          strict: false,
        },
      ],
      tool_choice: { type: 'function', name: 'get_weather' },
      max_output_tokens: 100,
      temperature: 0.2,
      top_p: 0.9,
      reasoning: { effort: 'low', summary: 'auto' },
      text: { format: { type: 'json_schema', name: 'weather', schema: { type: 'object' }, strict: true } },
      parallel_tool_calls: false,
      user: 'user-7',
      metadata: { run: '42' },
      store: false,
      include: ['reasoning.encrypted_content'],
      stream: true,
    });
    expect(chat.stream).toBe(true);
    expect(chat.clientWantsStreamUsage).toBe(true);
    expect(chat.body).toEqual({
      model: 'anthropic/claude-sonnet-4.5',
      messages: [
        { role: 'system', content: 'You are terse.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Weather in Paris?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA', detail: 'low' } },
          ],
        },
        {
          role: 'assistant',
          content: 'Checking.',
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
            { id: 'call_2', type: 'function', function: { name: 'get_time', arguments: '{}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '{"temperature":21}' },
        { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: 'noon' }] },
      ],
      stream: true,
      stream_options: { include_usage: true },
      max_completion_tokens: 100,
      temperature: 0.2,
      top_p: 0.9,
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            description: 'Weather by city',
            parameters: { type: 'object', properties: { city: { type: 'string' } } },
            strict: false,
          },
        },
      ],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      parallel_tool_calls: false,
      reasoning_effort: 'low',
      response_format: { type: 'json_schema', json_schema: { name: 'weather', schema: { type: 'object' }, strict: true } },
      user: 'user-7',
    });
  });

  it('starts an assistant turn for a call that follows a tool result', () => {
    const { chat } = convert({
      model: 'm',
      input: [
        { role: 'user', content: 'go' },
        { type: 'function_call', call_id: 'a', name: 'f', arguments: '{}' },
      ],
    });
    expect(chat.body.messages[1]).toEqual({
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 'a', type: 'function', function: { name: 'f', arguments: '{}' } }],
    });
  });

  it('expands references to the items the gateway returned from their ids, for the chat and the native body', () => {
    const message = { type: 'item_reference', id: selfContainedMessageId('Checking.') };
    const reasoning = { type: 'item_reference', id: selfContainedReasoningId('The user wants weather.') };
    const call = { type: 'function_call', call_id: 'call_1', name: 'get_weather', arguments: '{}' };
    const { body, chat } = convert({ model: 'm', input: [{ role: 'user', content: 'go' }, reasoning, message, call] });
    expect(chat.body.messages).toEqual([
      { role: 'user', content: 'go' },
      { role: 'assistant', content: 'Checking.', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{}' } }] },
    ]);
    expect(body.input).toEqual([
      { role: 'user', content: 'go' },
      { type: 'reasoning', summary: [{ type: 'summary_text', text: 'The user wants weather.' }] },
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Checking.' }] },
      call,
    ]);
  });

  it('expands references to streamed items from the call that carries them, and gives the calls their upstream ids back', () => {
    const carrying = carryingCallId('toolu_01', { msg_0b9e_1: selfContainedMessageId('Checking.'), rs_0b9e_0: selfContainedReasoningId('Hmm.') });
    const { body, chat } = convert({
      model: 'm',
      input: [
        { role: 'user', content: 'go' },
        { type: 'item_reference', id: 'rs_0b9e_0' },
        { type: 'item_reference', id: 'msg_0b9e_1' },
        { type: 'function_call', call_id: carrying, name: 'get_weather', arguments: '{}' },
        { type: 'function_call_output', call_id: carrying, output: 'sunny' },
      ],
    });
    expect(chat.body.messages).toEqual([
      { role: 'user', content: 'go' },
      { role: 'assistant', content: 'Checking.', tool_calls: [{ id: 'toolu_01', type: 'function', function: { name: 'get_weather', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'toolu_01', content: 'sunny' },
    ]);
    expect(body.input).toEqual([
      { role: 'user', content: 'go' },
      { type: 'reasoning', summary: [{ type: 'summary_text', text: 'Hmm.' }] },
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Checking.' }] },
      { type: 'function_call', call_id: 'toolu_01', name: 'get_weather', arguments: '{}' },
      { type: 'function_call_output', call_id: 'toolu_01', output: 'sunny' },
    ]);
  });

  it('passes the routing extras on to the pipeline', () => {
    const { chat } = convert({ model: 'm', input: 'hi', provider: { order: ['a'] }, models: ['n'] });
    expect(chat.body).toMatchObject({ provider: { order: ['a'] }, models: ['n'] });
  });

  it.each([
    [{ model: 'm', input: 'hi', store: true }, 'store'],
    [{ model: 'm', input: 'hi', previous_response_id: 'resp_1' }, 'previous_response_id'],
    [{ model: 'm', input: 'hi', conversation: 'conv_1' }, 'conversation'],
    [
      {
        model: 'm',
        input: [
          { role: 'user', content: 'go' },
          { type: 'item_reference', id: 'msg_68af0e1f2d4c8190' },
        ],
      },
      'input[1]',
    ],
  ])('refuses state the gateway does not keep with a 400 naming the field (%j)', (body, param) => {
    const error = refusal(body);
    expect(error).toMatchObject({ status: 400, param });
    expect(error.message).toContain('keeps no conversation state');
  });

  it('names the item a reference points to when it cannot rebuild it', () => {
    expect(refusal({ model: 'm', input: [{ type: 'item_reference', id: 'msg_68af0e1f2d4c8190' }] }).message).toBe(
      '\'input[0]\' references the item "msg_68af0e1f2d4c8190", which the gateway cannot rebuild: ' +
        'only message and reasoning items it returned carry their content (in their id, or when streamed in the call_id of the function call after them). ' +
        'The gateway keeps no conversation state: send the whole conversation in `input` (with the AI SDK, set providerOptions.openai.store = false).',
    );
  });

  it.each([
    [{ input: 'hi' }, 'model'],
    [{ model: 'm' }, 'input'],
    [{ model: 'm', input: [] }, 'input'],
    [{ model: 'm', input: [{ role: 'tool', content: 'x' }] }, 'input[0].role'],
    [{ model: 'm', input: [{ role: 'user', content: [{ type: 'input_file', file_id: 'f' }] }] }, 'input[0].content[0].type'],
    [{ model: 'm', input: [{ role: 'user', content: [{ type: 'input_image', file_id: 'f' }] }] }, 'input[0].content[0].image_url'],
    [{ model: 'm', input: [{ type: 'web_search_call', id: 'w' }] }, 'input[0].type'],
    [{ model: 'm', input: 'hi', tools: [{ type: 'web_search' }] }, 'tools[0].type'],
    [{ model: 'm', input: 'hi', tool_choice: { type: 'allowed_tools' } }, 'tool_choice'],
    [{ model: 'm', input: 'hi', text: { format: { type: 'json_schema' } } }, 'text.format'],
    [{ model: 'm', input: 'hi', temperature: 'hot' }, 'temperature'],
    [{ model: 'm', input: 'hi', metadata: { n: 1 } }, 'metadata'],
    [{ model: 'm', input: 'hi', stream: 'yes' }, 'stream'],
    [{ model: 'm', input: [{ type: 'item_reference' }] }, 'input[0].id'],
  ])('answers bad input with a 400 naming the field (%j)', (body, param) => {
    expect(refusal(body)).toMatchObject({ status: 400, param });
  });

  it('answers a body that is not JSON with invalid_json', () => {
    expect(() => convertResponsesRequest(Buffer.from('{'))).toThrow(expect.objectContaining({ code: 'invalid_json' }));
  });
});
