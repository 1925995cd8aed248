import { describe, expect, it } from 'vitest';
import { toOpenAIToolCall } from './to-openai-tool-call.ts';

describe('toOpenAIToolCall', () => {
  it('carries the thought signature in extra_content.google, and nothing when there is none', () => {
    expect(toOpenAIToolCall({ id: 'call_0', name: 'f', arguments: '{}', thoughtSignature: 'c2ln' })).toEqual({
      id: 'call_0',
      type: 'function',
      function: { name: 'f', arguments: '{}' },
      extra_content: { google: { thought_signature: 'c2ln' } },
    });
    expect(toOpenAIToolCall({ id: 'call_1', name: 'g', arguments: '{"a":1}', thoughtSignature: null })).toEqual({
      id: 'call_1',
      type: 'function',
      function: { name: 'g', arguments: '{"a":1}' },
    });
  });
});
