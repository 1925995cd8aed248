import { describe, expect, it } from 'vitest';
import { readFirstEvent } from './read-first-event.ts';

/** A body that yields `chunks`, then fails with `error` if given; counts how far it was read. */
function body(chunks: string[], error: Error | null = null) {
  const state = { pulled: 0, returned: false };
  const iterable: AsyncIterable<Buffer> = {
    [Symbol.asyncIterator]: () => ({
      next: async () => {
        if (state.pulled < chunks.length) return { done: false, value: Buffer.from(chunks[state.pulled++] as string) };
        if (error !== null) throw error;
        return { done: true, value: undefined };
      },
      return: async () => {
        state.returned = true;
        return { done: true, value: undefined };
      },
    }),
  };
  return { iterable, state };
}

async function collect(iterable: AsyncIterable<Buffer>): Promise<string> {
  let text = '';
  for await (const chunk of iterable) text += chunk.toString();
  return text;
}

describe('readFirstEvent', () => {
  it('stops reading at the first blank line, then replays everything', async () => {
    const { iterable, state } = body(['data: {"a"', ':1}\n', '\ndata: 2\n\n', 'data: [DONE]\n\n']);
    const replay = await readFirstEvent(iterable);
    expect(state.pulled).toBe(3);
    expect(await collect(replay)).toBe('data: {"a":1}\n\ndata: 2\n\ndata: [DONE]\n\n');
  });

  it('recognises CRLF framing split across chunks', async () => {
    const { iterable, state } = body(['data: 1\r\n\r', '\ndata: 2\r\n\r\n']);
    await readFirstEvent(iterable);
    expect(state.pulled).toBe(2);
  });

  it('throws when the body fails before the first event (the attempt can still fall back)', async () => {
    const { iterable } = body(['data: partial'], new Error('socket hang up'));
    await expect(readFirstEvent(iterable)).rejects.toThrow('socket hang up');
  });

  it('passes a failure after the first event on to the relay', async () => {
    const { iterable } = body(['data: 1\n\n'], new Error('socket hang up'));
    const replay = await readFirstEvent(iterable);
    await expect(collect(replay)).rejects.toThrow('socket hang up');
  });

  it('releases the body when the relay stops early', async () => {
    const { iterable, state } = body(['data: 1\n\n', 'data: 2\n\n']);
    for await (const chunk of await readFirstEvent(iterable)) {
      expect(chunk.toString()).toBe('data: 1\n\n');
      break;
    }
    expect(state.returned).toBe(true);
  });
});
