import { describe, expect, it } from 'vitest';
import { wireFixture } from '../../testing/translate-stream.ts';
import { convertOpenAICompatibleResponse } from './convert-openai-compatible-response.ts';

describe('convertOpenAICompatibleResponse', () => {
  it('relays an OpenAI body byte for byte and meters its usage, model and finish reason', () => {
    const body = wireFixture('openai-compatible', 'openai-text.1.json');
    const converted = convertOpenAICompatibleResponse(body);
    expect(converted.body).toBe(body);
    expect(converted).toMatchObject({ finishReason: 'stop', servedModel: 'gpt-4o-mini-2024-07-18' });
    expect(converted.usage?.usage).toEqual({ promptTokens: 9, completionTokens: 3, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 });
  });

  it('relays a body that does not parse as it came, with nothing metered from it', () => {
    const body = Buffer.from('{"id":"chatcmpl-1","choices":[');
    expect(convertOpenAICompatibleResponse(body)).toEqual({ body, usage: null, finishReason: null, servedModel: null });
  });
});
