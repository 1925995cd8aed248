import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../../shared/src/errors.ts';
import { convertMistralResponse } from './convert-mistral-response.ts';

const fixture = (name: string) => readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url));

describe('convertMistralResponse', () => {
  it('keeps an OpenAI-shaped tool call answer, adding type: function, and reads usage', () => {
    const converted = convertMistralResponse(fixture('mistral-tool-call.1.json'));
    if (converted instanceof GatewayError) throw converted;
    expect(converted.body).toBe(
      '{"id":"a1b2c3","object":"chat.completion","model":"mistral-small-2506","usage":{"prompt_tokens":12,"completion_tokens":9,"total_tokens":21},"created":1732000000,' +
        '"choices":[{"index":0,"message":{"role":"assistant","content":"Checking the weather.","tool_calls":[{"id":"D681PevKs","function":{"name":"get_weather","arguments":"{\\"city\\": \\"Paris\\"}"},"index":0,"type":"function"}],"prefix":false},"finish_reason":"tool_calls"}]}',
    );
    expect(converted).toMatchObject({
      usage: { usage: { promptTokens: 12, completionTokens: 9, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 }, upstreamCostMicros: null },
      finishReason: 'tool_calls',
      servedModel: 'mistral-small-2506',
    });
  });

  it('turns reasoning chunks into content + reasoning strings and model_length into length', () => {
    const converted = convertMistralResponse(fixture('mistral-reasoning.1.json'));
    if (converted instanceof GatewayError) throw converted;
    expect(JSON.parse(converted.body as string).choices).toEqual([
      {
        index: 0,
        message: { role: 'assistant', content: 'Hello!', reasoning: 'The user greets me.', tool_calls: null, prefix: false },
        finish_reason: 'length',
      },
    ]);
    expect(converted.finishReason).toBe('length');
  });

  it('reports a finish_reason of error, and an unreadable body, as upstream errors', () => {
    const failed = convertMistralResponse(Buffer.from('{"model":"m","choices":[{"index":0,"message":{"content":"Par"},"finish_reason":"error"}]}'));
    expect(failed).toBeInstanceOf(GatewayError);
    expect((failed as GatewayError).toEnvelope().error).toMatchObject({
      code: 'upstream_error',
      message: 'The upstream provider stopped generating with an error.',
    });
    expect(convertMistralResponse(Buffer.from('<html>'))).toMatchObject({ code: 'upstream_error', status: 502 });
  });
});
