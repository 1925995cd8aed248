import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { convertChatCompletionToResponse } from './convert-chat-completion-to-response.ts';
import { convertResponsesRequest } from './convert-responses-request.ts';
import { responseIdentity } from './responses-object.ts';

const fixture = (name: string) => readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url));
const identity = responseIdentity('0b9e4c2a-1111-4222-8333-944445555666', 1_700_000_000);
const request = {
  model: 'anthropic/claude-sonnet-4.5',
  input: 'Weather in Paris?',
  instructions: 'Be brief.',
  tools: [{ type: 'function', name: 'get_weather', parameters: { type: 'object' } }],
  max_output_tokens: 50,
  metadata: { run: '42' },
};
const { echo } = convertResponsesRequest(Buffer.from(JSON.stringify(request)));

describe('convertChatCompletionToResponse', () => {
  it('presents reasoning, text and tool calls as output items with Responses usage, echoing the request', () => {
    // The message and reasoning ids are base64url of {"text":"Checking."} and {"summary":"The user wants weather."}.
    expect(convertChatCompletionToResponse(fixture('chat-tool-call.1.json'), identity, echo)).toEqual({
      id: 'resp_0b9e4c2a111142228333944445555666',
      object: 'response',
      created_at: 1_700_000_000,
      status: 'completed',
      error: null,
      incomplete_details: null,
      instructions: 'Be brief.',
      max_output_tokens: 50,
      model: 'anthropic/claude-sonnet-4.5',
      output: [
        {
          type: 'reasoning',
          id: 'rs_eyJzdW1tYXJ5IjoiVGhlIHVzZXIgd2FudHMgd2VhdGhlci4ifQ',
          summary: [{ type: 'summary_text', text: 'The user wants weather.' }],
        },
        {
          type: 'message',
          id: 'msg_eyJ0ZXh0IjoiQ2hlY2tpbmcuIn0',
          status: 'completed',
          role: 'assistant',
          content: [{ type: 'output_text', text: 'Checking.', annotations: [], logprobs: [] }],
        },
        {
          type: 'function_call',
          id: 'fc_0b9e4c2a111142228333944445555666_2',
          call_id: 'toolu_01',
          name: 'get_weather',
          arguments: '{"city":"Paris"}',
          status: 'completed',
        },
      ],
      parallel_tool_calls: true,
      previous_response_id: null,
      reasoning: { effort: null, summary: null },
      store: false,
      temperature: null,
      text: { format: { type: 'text' } },
      tool_choice: 'auto',
      tools: request.tools,
      top_p: null,
      truncation: 'disabled',
      usage: {
        input_tokens: 100,
        input_tokens_details: { cached_tokens: 40 },
        output_tokens: 25,
        output_tokens_details: { reasoning_tokens: 6 },
        total_tokens: 125,
      },
      user: null,
      metadata: { run: '42' },
    });
  });

  it('marks an answer cut by the token limit incomplete (max_output_tokens)', () => {
    const response = convertChatCompletionToResponse(fixture('chat-length.1.json'), identity, echo);
    expect(response).toMatchObject({
      status: 'incomplete',
      incomplete_details: { reason: 'max_output_tokens' },
      output: [{ type: 'message', status: 'incomplete', content: [{ type: 'output_text', text: 'Once upon a' }] }],
      usage: { input_tokens: 5, output_tokens: 3, total_tokens: 8, input_tokens_details: { cached_tokens: 0 }, output_tokens_details: { reasoning_tokens: 0 } },
    });
  });
});
