import { REQUESTED_MODEL } from '../../testing/translate-stream.ts';
import { describe, expect, it } from 'vitest';
import { convertAnthropicResponse } from '../../providers/anthropic/convert-anthropic-response.ts';
import { convertChatCompletionToMessage } from './convert-chat-completion-to-message.ts';

const completion = {
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1764000000,
  model: 'gpt-4o-mini-2024-07-18',
  choices: [
    {
      index: 0,
      message: {
        role: 'assistant',
        content: 'Checking.',
        reasoning: 'Needs the tool.',
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
      },
      finish_reason: 'tool_calls',
    },
  ],
  usage: { prompt_tokens: 80, completion_tokens: 31, total_tokens: 111, prompt_tokens_details: { cached_tokens: 64, cache_write_tokens: 6 } },
};

describe('convertChatCompletionToMessage', () => {
  it('builds the Anthropic message: thinking, text and tool_use blocks, stop_reason and usage without cached tokens in input_tokens', () => {
    expect(JSON.parse(convertChatCompletionToMessage(JSON.stringify(completion), 'msg_req1'))).toEqual({
      id: 'msg_req1',
      type: 'message',
      role: 'assistant',
      model: 'gpt-4o-mini-2024-07-18',
      content: [
        { type: 'thinking', thinking: 'Needs the tool.', signature: '' },
        { type: 'text', text: 'Checking.' },
        { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: { input_tokens: 10, output_tokens: 31, cache_creation_input_tokens: 6, cache_read_input_tokens: 64 },
    });
  });

  it('is the inverse of the Anthropic adapter: converting the message back gives the same completion and usage', () => {
    const message = Buffer.from(convertChatCompletionToMessage(JSON.stringify(completion), 'msg_req1'));
    const back = convertAnthropicResponse(message, { created: 1764000000, clientWantsUsage: false, model: REQUESTED_MODEL });
    if (back instanceof Error) throw back;
    expect(back.usage?.usage).toEqual({ promptTokens: 80, completionTokens: 31, cacheReadTokens: 64, cacheWriteTokens: 6, reasoningTokens: 0 });
    expect(JSON.parse(back.body.toString()).choices[0]).toMatchObject({ message: completion.choices[0]!.message, finish_reason: 'tool_calls' });
  });

  it("carries the gateway's cost fields over into the message's usage", () => {
    const costed = { ...completion, usage: { ...completion.usage, cost: 0.000192, cost_microdollars: 192 } };
    expect(JSON.parse(convertChatCompletionToMessage(JSON.stringify(costed), 'msg_req1')).usage).toEqual({
      input_tokens: 10,
      output_tokens: 31,
      cache_creation_input_tokens: 6,
      cache_read_input_tokens: 64,
      cost: 0.000192,
      cost_microdollars: 192,
    });
  });

  it('maps finish reasons and leaves out empty text; broken tool arguments become {}', () => {
    const convert = (finishReason: string, message: object) =>
      JSON.parse(convertChatCompletionToMessage(JSON.stringify({ model: 'm', choices: [{ message, finish_reason: finishReason }] }), 'msg_x'));
    expect(convert('length', { content: 'cut' })).toMatchObject({ stop_reason: 'max_tokens', content: [{ type: 'text', text: 'cut' }] });
    expect(convert('content_filter', { content: '' })).toMatchObject({ stop_reason: 'refusal', content: [] });
    expect(convert('stop', { content: null, tool_calls: [{ id: 'c', function: { name: 'f', arguments: '{"a":' } }] })).toMatchObject({
      stop_reason: 'end_turn',
      content: [{ type: 'tool_use', id: 'c', name: 'f', input: {} }],
      usage: { input_tokens: 0, output_tokens: 0 },
    });
  });
});
