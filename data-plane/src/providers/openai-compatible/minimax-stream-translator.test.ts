// MiniMax-only translation; what every adapter owes a client is in ../stream-translator-contract.test.ts.
import { describe, expect, it } from 'vitest';
import { translateStream, wireFixture, type ChunkJson, REQUESTED_MODEL } from '../../testing/translate-stream.ts';
import { MiniMaxStreamTranslator } from './minimax-stream-translator.ts';

const run = (translator: MiniMaxStreamTranslator, input: Buffer) => translateStream(translator, input).chunks;

const deltas = (chunks: ChunkJson[]) => chunks.map((chunk) => chunk.choices[0]?.delta).filter((delta) => delta !== undefined);

describe('MiniMaxStreamTranslator', () => {
  it('moves the think block to delta.reasoning across chunk boundaries, keeping the other fields', () => {
    const translator = new MiniMaxStreamTranslator({ created: 1, clientWantsUsage: true, model: REQUESTED_MODEL });
    const chunks = run(translator, wireFixture('openai-compatible', 'minimax-think.1.sse'));
    expect(deltas(chunks).map(({ content, reasoning }) => [reasoning ?? null, content])).toEqual([
      [null, ''],
      ['\nGreeting.\n', ''],
      [null, ''],
      [null, 'Hello!'],
      [null, ''],
    ]);
    expect(chunks[0]).toMatchObject({
      id: '05b8',
      model: REQUESTED_MODEL,
      input_sensitive: false,
      choices: [{ delta: { role: 'assistant', name: 'MiniMax AI' } }],
    });
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 10, completion_tokens: 20 } });
    expect(Buffer.from(translator.finalBytes!).toString('utf8')).toBe('data: [DONE]\n\n');
  });

  it('flushes held-back text with the finish chunk', () => {
    const translator = new MiniMaxStreamTranslator({ created: 1, clientWantsUsage: false, model: REQUESTED_MODEL });
    const chunks = run(
      translator,
      Buffer.from(
        'data: {"choices":[{"index":0,"delta":{"content":"<thi"}}]}\n\ndata: {"choices":[{"index":0,"delta":{},"finish_reason":"length"}]}\n\ndata: [DONE]\n\n',
      ),
    );
    expect(deltas(chunks)).toEqual([{ content: '' }, { content: '<thi' }]);
  });
});
