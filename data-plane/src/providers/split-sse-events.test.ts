import { describe, expect, it } from 'vitest';
import { SseEventSplitter } from './split-sse-events.ts';

const stream = 'data: {"a":1}\n\n' + ': keep-alive\n\n' + 'event: x\ndata: {"b":2}\n\n' + 'data: {"c":3}\r\n\r\n' + 'data: [DONE]\n\n';

function splitAll(chunks: string[]): string[] {
  const splitter = new SseEventSplitter();
  const events: string[] = [];
  for (const chunk of chunks) events.push(...splitter.push(Buffer.from(chunk)).map((event) => event.toString()));
  expect(splitter.rest()).toBeNull();
  return events;
}

describe('SseEventSplitter', () => {
  const expected = ['data: {"a":1}\n\n', ': keep-alive\n\n', 'event: x\ndata: {"b":2}\n\n', 'data: {"c":3}\r\n\r\n', 'data: [DONE]\n\n'];

  it('cuts whole events, terminators included', () => {
    expect(splitAll([stream])).toEqual(expected);
  });

  it('gives the same events for every way of cutting the bytes', () => {
    for (let size = 1; size <= 7; size += 1) {
      const chunks: string[] = [];
      for (let index = 0; index < stream.length; index += size) chunks.push(stream.slice(index, index + size));
      expect(splitAll(chunks)).toEqual(expected);
    }
    for (let cut = 1; cut < stream.length; cut += 1) {
      expect(splitAll([stream.slice(0, cut), stream.slice(cut)]).join('')).toBe(stream);
    }
  });

  it('keeps an unfinished event as the rest', () => {
    const splitter = new SseEventSplitter();
    expect(splitter.push(Buffer.from('data: {"a":1}\n\ndata: {"b"'))).toHaveLength(1);
    expect(splitter.rest()?.toString()).toBe('data: {"b"');
  });
});
