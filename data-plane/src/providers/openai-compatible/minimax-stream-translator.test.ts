import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SseEventSplitter } from '../split-sse-events.ts';
import { MiniMaxStreamTranslator } from './minimax-stream-translator.ts';

function run(translator: MiniMaxStreamTranslator, input: Buffer): Array<Record<string, unknown>> {
  const output: Uint8Array[] = [];
  for (const event of new SseEventSplitter().push(input)) translator.push(event, output);
  translator.end();
  return Buffer.concat(output)
    .toString('utf8')
    .split('\n\n')
    .filter((event) => event !== '')
    .map((event) => JSON.parse(event.slice('data: '.length)) as Record<string, unknown>);
}

const deltas = (chunks: Array<Record<string, unknown>>) =>
  chunks.map((chunk) => (chunk.choices as Array<{ delta: { content?: string; reasoning?: string } }>)[0]?.delta).filter((delta) => delta !== undefined);

describe('MiniMaxStreamTranslator', () => {
  it('moves the think block to delta.reasoning across chunk boundaries, keeping the other fields', () => {
    const translator = new MiniMaxStreamTranslator({ created: 1, clientWantsUsage: true });
    const chunks = run(translator, readFileSync(new URL('./__fixtures__/minimax-think.1.sse', import.meta.url)));
    expect(deltas(chunks).map(({ content, reasoning }) => [reasoning ?? null, content])).toEqual([
      [null, ''],
      ['\nGreeting.\n', ''],
      [null, ''],
      [null, 'Hello!'],
      [null, ''],
    ]);
    expect(chunks[0]).toMatchObject({
      id: '05b8',
      model: 'MiniMax-M2',
      input_sensitive: false,
      choices: [{ delta: { role: 'assistant', name: 'MiniMax AI' } }],
    });
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 10, completion_tokens: 20 } });
    expect(Buffer.from(translator.finalBytes!).toString('utf8')).toBe('data: [DONE]\n\n');
    expect(translator).toMatchObject({ finishReason: 'stop', servedModel: 'MiniMax-M2', failure: null });
    expect(translator.usage?.usage).toMatchObject({ promptTokens: 10, completionTokens: 20 });
  });

  it('flushes held-back text with the finish chunk', () => {
    const translator = new MiniMaxStreamTranslator({ created: 1, clientWantsUsage: false });
    const chunks = run(
      translator,
      Buffer.from(
        'data: {"choices":[{"index":0,"delta":{"content":"<thi"}}]}\n\ndata: {"choices":[{"index":0,"delta":{},"finish_reason":"length"}]}\n\ndata: [DONE]\n\n',
      ),
    );
    expect(deltas(chunks)).toEqual([{ content: '' }, { content: '<thi' }]);
  });

  it('ends the stream as a failure on a failing base_resp, relaying nothing of it', () => {
    const translator = new MiniMaxStreamTranslator({ created: 1, clientWantsUsage: false });
    const chunks = run(
      translator,
      Buffer.from(
        'data: {"choices":[{"index":0,"delta":{"content":"Hi"}}]}\n\ndata: {"choices":[],"base_resp":{"status_code":1027,"status_msg":"output new_sensitive"}}\n\ndata: [DONE]\n\n',
      ),
    );
    expect(deltas(chunks)).toEqual([{ content: 'Hi' }]);
    expect(translator.finalBytes).toBeNull();
    expect(translator.failure).toMatchObject({ relayed: false, error: { code: 'invalid_request' } });
  });
});
