import { REQUESTED_MODEL } from '../../testing/translate-stream.ts';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../../shared/src/errors.ts';
import { convertGeminiResponse } from './convert-gemini-response.ts';

const fixture = (name: string) => readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url));
const context = { created: 1700000000, clientWantsUsage: false, model: REQUESTED_MODEL };

function converted(bytes: Buffer) {
  const result = convertGeminiResponse(bytes, context);
  if (result instanceof GatewayError) throw result;
  return result;
}

describe('convertGeminiResponse', () => {
  it('puts thoughts in `reasoning`, text in `content`, and counts cached and thought tokens', () => {
    const result = converted(fixture('gemini-text.1.json'));
    expect(JSON.parse(result.body.toString())).toMatchSnapshot();
    expect(result).toMatchObject({ finishReason: 'stop', servedModel: 'gemini-2.5-flash' });
  });

  it('turns function calls into tool_calls with generated ids and finish_reason tool_calls', () => {
    const result = converted(fixture('gemini-tool-call.1.json'));
    expect(JSON.parse(result.body.toString()).choices[0]).toMatchSnapshot();
    expect(result.finishReason).toBe('tool_calls');
    expect(result.usage?.usage).toEqual({ promptTokens: 57, completionTokens: 21, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 });
  });

  it('gives one choice per candidate when the client asked for several', () => {
    const body = {
      candidates: [
        { content: { role: 'model', parts: [{ text: 'A' }] }, finishReason: 'STOP', index: 0 },
        { content: { role: 'model', parts: [{ text: 'B' }] }, finishReason: 'MAX_TOKENS', index: 1 },
      ],
    };
    const choices = JSON.parse(converted(Buffer.from(JSON.stringify(body))).body.toString()).choices;
    expect(
      choices.map((choice: { index: number; message: { content: string }; finish_reason: string }) => [
        choice.index,
        choice.message.content,
        choice.finish_reason,
      ]),
    ).toEqual([
      [0, 'A', 'stop'],
      [1, 'B', 'length'],
    ]);
  });

  it('answers a blocked prompt with an empty content_filter choice', () => {
    const body = {
      promptFeedback: { blockReason: 'PROHIBITED_CONTENT' },
      usageMetadata: { promptTokenCount: 7, totalTokenCount: 7 },
      modelVersion: 'gemini-2.5-flash',
    };
    const result = converted(Buffer.from(JSON.stringify(body)));
    expect(JSON.parse(result.body.toString()).choices).toEqual([
      { index: 0, message: { role: 'assistant', content: '', refusal: null }, finish_reason: 'content_filter', logprobs: null },
    ]);
    expect(result.usage?.usage.promptTokens).toBe(7);
  });

  it('answers 502 for a body that is not a response', () => {
    for (const text of ['<html>', '{"foo":1}']) {
      const result = convertGeminiResponse(Buffer.from(text), context);
      expect(result).toBeInstanceOf(GatewayError);
      expect((result as GatewayError).status).toBe(502);
    }
  });
});
