import { describe, expect, it } from 'vitest';
import { HttpResponseReader } from './http-response-reader.ts';

function feedByteByByte(reader: HttpResponseReader, wire: string): Array<{ at: number; firstBodyByte: boolean; complete: boolean }> {
  const events = [];
  const bytes = Buffer.from(wire, 'latin1');
  for (let index = 0; index < bytes.length; index++) {
    const progress = reader.push(bytes.subarray(index, index + 1));
    if (progress.firstBodyByte || progress.complete) events.push({ at: index, ...progress });
  }
  return events;
}

describe('HttpResponseReader', () => {
  it('reads a content-length body split at every byte', () => {
    const head = 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\ncontent-type: application/json\r\n\r\n';
    const reader = new HttpResponseReader();
    expect(feedByteByByte(reader, `${head}hello`)).toEqual([
      { at: head.length, firstBodyByte: true, complete: false },
      { at: head.length + 4, firstBodyByte: false, complete: true },
    ]);
    expect(reader.statusCode).toBe(200);
    expect(reader.bodyBytes).toBe(5);
  });

  it('reads a chunked SSE body with a trailer-less end, then the next response after reset', () => {
    const chunk = (text: string) => `${text.length.toString(16)}\r\n${text}\r\n`;
    const wire = `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${chunk('data: {"a":1}\n\n')}${chunk('data: [DONE]\n\n')}0\r\n\r\n`;
    const reader = new HttpResponseReader();
    const progress = reader.push(Buffer.from(wire, 'latin1'));
    expect(progress).toEqual({ firstBodyByte: true, complete: true });
    expect(reader.bodyBytes).toBe(15 + 14);

    reader.reset();
    expect(reader.push(Buffer.from('HTTP/1.1 401 Unauthorized\r\ncontent-length: 2\r\n\r\n{}'))).toEqual({ firstBodyByte: true, complete: true });
    expect(reader.statusCode).toBe(401);
  });

  it('completes a response without a body at the end of its head', () => {
    const reader = new HttpResponseReader();
    expect(reader.push(Buffer.from('HTTP/1.1 204 No Content\r\n\r\n'))).toEqual({ firstBodyByte: false, complete: true });
  });
});
