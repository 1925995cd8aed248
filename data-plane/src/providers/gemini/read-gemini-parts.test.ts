import { describe, expect, it } from 'vitest';
import { readGeminiParts } from './read-gemini-parts.ts';

describe('readGeminiParts', () => {
  it('separates thoughts, text and function calls, numbering calls without an id and keeping their signatures', () => {
    const parts = [
      { text: 'Thinking about weather.', thought: true },
      { text: 'Let me ' },
      { text: 'check.', thoughtSignature: 'c2ln' },
      { functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: 'c2ln' },
      { functionCall: { name: 'get_time', args: {}, id: 'fc_upstream' } },
      { functionCall: { name: 'get_date' } },
      { thoughtSignature: 'c2ln' },
      null,
    ];
    expect(readGeminiParts(parts)).toEqual({
      text: 'Let me check.',
      reasoning: 'Thinking about weather.',
      toolCalls: [
        { id: 'call_0', name: 'get_weather', arguments: '{"city":"Paris"}', thoughtSignature: 'c2ln' },
        { id: 'fc_upstream', name: 'get_time', arguments: '{}', thoughtSignature: null },
        { id: 'call_2', name: 'get_date', arguments: '{}', thoughtSignature: null },
      ],
    });
  });

  it('continues the numbering from calls made earlier in a stream, and tolerates missing parts', () => {
    expect(readGeminiParts([{ functionCall: { name: 'f', args: { a: 1 } } }], 2).toolCalls).toEqual([
      { id: 'call_2', name: 'f', arguments: '{"a":1}', thoughtSignature: null },
    ]);
    expect(readGeminiParts(undefined)).toEqual({ text: '', reasoning: '', toolCalls: [] });
  });
});
