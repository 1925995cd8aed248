import { describe, expect, it } from 'vitest';
import { parseChatRequest } from '../../pipeline/parse-chat-request.ts';
import { convertToMistralRequest } from './convert-to-mistral-request.ts';
import { createMistralToolCallIdMapper } from './map-mistral-tool-call-ids.ts';
import { parseUpstreamBody } from '../../testing/upstream-body.ts';

const target = { url: 'https://api.mistral.ai/v1/chat/completions', upstreamModel: 'mistral-small-2506', apiKey: 'mk' };

describe('convertToMistralRequest', () => {
  it('maps OpenAI-only fields, drops stream_options and rewrites tool-call ids consistently', () => {
    const chat = parseChatRequest(
      Buffer.from(
        JSON.stringify({
          model: 'mistral/mistral-small',
          messages: [
            { role: 'developer', content: 'Be brief.' },
            { role: 'user', content: 'Weather?' },
            { role: 'assistant', content: null, tool_calls: [{ id: 'call_abc123', type: 'function', function: { name: 'get_weather', arguments: '{}' } }] },
            { role: 'tool', tool_call_id: 'call_abc123', content: 'sunny' },
          ],
          stream: true,
          stream_options: { include_usage: true },
          max_completion_tokens: 64,
          seed: 7,
          temperature: 0.3,
        }),
      ),
    );
    const request = convertToMistralRequest(chat, target);
    const id = createMistralToolCallIdMapper()('call_abc123');
    expect(request.url).toBe(target.url);
    expect(request.headers).toEqual({ 'content-type': 'application/json', authorization: 'Bearer mk' });
    expect(request.body).toBe(
      JSON.stringify({
        model: 'mistral-small-2506',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Weather?' },
          { role: 'assistant', content: null, tool_calls: [{ id, type: 'function', function: { name: 'get_weather', arguments: '{}' } }] },
          { role: 'tool', tool_call_id: id, content: 'sunny' },
        ],
        stream: true,
        temperature: 0.3,
        max_tokens: 64,
        random_seed: 7,
      }),
    );
  });

  it("keeps the client's own max_tokens and random_seed over the OpenAI names", () => {
    const chat = parseChatRequest(
      Buffer.from('{"model":"m","messages":[{"role":"user","content":"x"}],"max_tokens":5,"max_completion_tokens":9,"random_seed":1,"seed":2}'),
    );
    expect(parseUpstreamBody(convertToMistralRequest(chat, { ...target, apiKey: null }).body)).toEqual({
      model: 'mistral-small-2506',
      messages: [{ role: 'user', content: 'x' }],
      max_tokens: 5,
      random_seed: 1,
    });
  });
});
