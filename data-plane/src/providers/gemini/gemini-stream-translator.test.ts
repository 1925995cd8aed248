// Gemini-only translation; what every adapter owes a client is in ../stream-translator-contract.test.ts.
import { describe, expect, it } from 'vitest';
import { translateStream, wireFixture, REQUESTED_MODEL } from '../../testing/translate-stream.ts';
import { GeminiStreamTranslator } from './gemini-stream-translator.ts';

const fixture = (name: string) => wireFixture('gemini', name);
const translate = (bytes: Buffer, options: { clientWantsUsage?: boolean; size?: number } = {}) =>
  translateStream(
    new GeminiStreamTranslator({ created: 1700000000, clientWantsUsage: options.clientWantsUsage ?? false, model: REQUESTED_MODEL }),
    bytes,
    options.size,
  );

describe('GeminiStreamTranslator', () => {
  it('turns a \\r\\n\\r\\n-framed text stream into OpenAI chunks and adds the [DONE] Gemini never sends', () => {
    const { text, translator } = translate(fixture('gemini-text.1.sse'));
    expect(text).toMatchSnapshot();
    // The partial usage of the first events (prompt only) was replaced by the last event's.
    expect(translator.usage?.usage).toEqual({ promptTokens: 6, completionTokens: 3, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 });
  });

  it('accepts \\n\\n framing as well as its own \\r\\n\\r\\n', () => {
    const whole = translate(fixture('gemini-tool-call.1.sse'), { clientWantsUsage: true }).text;
    const lf = Buffer.from(fixture('gemini-tool-call.1.sse').toString().replaceAll('\r\n', '\n'));
    expect(translate(lf, { clientWantsUsage: true, size: 5 }).text).toBe(whole);
  });

  it('streams thoughts as reasoning, whole function calls as tool_calls deltas, then the usage-only chunk and [DONE]', () => {
    const { chunks } = translate(fixture('gemini-tool-call.1.sse'), { clientWantsUsage: true });
    expect(chunks.map((chunk) => ({ delta: chunk.choices[0]?.delta, finish: chunk.choices[0]?.finish_reason, usage: chunk.usage }))).toMatchSnapshot();
  });

  it('keeps one choice per candidate and continues tool call numbering across events', () => {
    const event = (body: object) => `data: ${JSON.stringify(body)}\r\n\r\n`;
    const bytes = Buffer.from(
      event({
        candidates: [
          { content: { parts: [{ functionCall: { name: 'f', args: {} } }] }, index: 0 },
          { content: { parts: [{ text: 'B' }] }, index: 1 },
        ],
      }) +
        event({ candidates: [{ content: { parts: [{ functionCall: { name: 'g', args: { x: 1 } } }] }, finishReason: 'STOP', index: 0 }] }) +
        event({
          candidates: [{ content: { parts: [] }, finishReason: 'MAX_TOKENS', index: 1 }],
          usageMetadata: { promptTokenCount: 2, candidatesTokenCount: 3 },
        }),
    );
    const { chunks, translator } = translate(bytes);
    expect(
      chunks.map((chunk) => [
        chunk.choices[0]!.index,
        chunk.choices[0]!.delta.tool_calls?.[0]?.id ?? chunk.choices[0]!.delta.content,
        chunk.choices[0]!.finish_reason,
      ]),
    ).toEqual([
      [0, '', null],
      [0, 'call_0', null],
      [1, '', null],
      [1, 'B', null],
      [0, 'call_1', null],
      [0, undefined, 'tool_calls'],
      [1, undefined, 'length'],
    ]);
    expect(translator.finishReason).toBe('tool_calls');
  });

  it('turns a blocked prompt into an empty content_filter answer', () => {
    const { chunks, translator } = translate(Buffer.from('data: {"promptFeedback":{"blockReason":"SAFETY"},"usageMetadata":{"promptTokenCount":4}}\r\n\r\n'));
    expect(chunks.map((chunk) => [chunk.choices[0]!.delta, chunk.choices[0]!.finish_reason])).toEqual([
      [{ role: 'assistant', content: '' }, null],
      [{}, 'content_filter'],
    ]);
    expect(translator.failure).toBeNull();
  });
});
