import { describe, expect, it } from 'vitest';
import { SseEventEndWatch } from './sse-event-end.ts';

/** Whether the watch sees an end once `text` is cut into chunks at `cuts`, and at which chunk. */
function firstEndAt(text: string, cuts: number[]): number | null {
  const watch = new SseEventEndWatch();
  const bounds = [0, ...cuts, text.length];
  for (let index = 0; index + 1 < bounds.length; index++) {
    if (watch.sees(Buffer.from(text.slice(bounds[index], bounds[index + 1]), 'latin1'))) return index;
  }
  return null;
}

describe('SseEventEndWatch', () => {
  for (const end of ['\n\n', '\r\n\r\n']) {
    const event = `data: {"a":1}${end}`;
    it(`finds ${JSON.stringify(end)} cut at any byte, and in the chunk where it completes`, () => {
      expect(firstEndAt(event, [])).toBe(0);
      // The end's last byte is always in the second chunk, wherever the cut falls.
      for (let cut = 1; cut < event.length; cut++) expect(firstEndAt(event, [cut]), `cut at ${cut}`).toBe(1);
      // One byte per chunk: the end completes in the last chunk.
      const cuts = Array.from({ length: event.length - 1 }, (_, index) => index + 1);
      expect(firstEndAt(event, cuts)).toBe(event.length - 1);
    });
  }

  it('sees no end in a lone line break, nor in breaks spread over more than a blank line', () => {
    expect(firstEndAt('data: {"a":1}\ndata: 2\r\n', [5, 14])).toBeNull();
    expect(firstEndAt('a\nb\nc\r\nd', [2, 4, 6])).toBeNull();
  });
});
