// The bytes SseWriter hands uWS for an event stream: status line, headers in order, then the events, in
// one corked write each. The native response here renders each call as uWS writes it (writeStatus
// `HTTP/1.1 <text>\r\n`, writeHeader `name: value\r\n`; send-json.test.ts checks that against a real uWS
// listener), so a head written as one text must match one written header by header.
import type { HttpResponse } from 'uWebSockets.js';
import { describe, expect, it } from 'vitest';
import { ClientResponse } from './client-response.ts';
import { SseWriter } from './sse-writer.ts';

const REQUEST_ID = '0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d';
const event = (content: string) => Buffer.from(`data: {"choices":[{"delta":{"content":"${content}"}}]}\n\n`);
const HEAD = `HTTP/1.1 200 OK\r\nx-request-id: ${REQUEST_ID}\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\n`;

/** A uWS response that renders each corked write's head and body bytes as uWS puts them on the wire (chunk framing aside). */
function renderingResponse(): { response: ClientResponse; sends: string[] } {
  const sends: string[] = [];
  let current = '';
  const native = {
    onAborted() {},
    cork(write: () => void) {
      current = '';
      write();
      sends.push(current);
    },
    writeStatus(status: string) {
      current += `HTTP/1.1 ${status}\r\n`;
      return native;
    },
    writeHeader(name: string, value: string) {
      current += `${name}: ${value}\r\n`;
      return native;
    },
    write(bytes: Uint8Array) {
      current += Buffer.from(bytes).toString('latin1');
      return true;
    },
    end(bytes?: Uint8Array | string) {
      if (bytes !== undefined) current += Buffer.from(bytes).toString('latin1');
      return native;
    },
  };
  return { response: new ClientResponse(native as unknown as HttpResponse, REQUEST_ID, { name: 'chat' } as never), sends };
}

describe('SseWriter', () => {
  it('writes the status line, x-request-id, the event-stream headers and the given ones with the first events, then events alone', () => {
    const { response, sends } = renderingResponse();
    const writer = new SseWriter(response, { 'x-gateway-provider': 'sim', 'x-gateway-model': 'echo', 'x-ratelimit-remaining-requests': '9' });
    expect(writer.write([event('a')])).toBe(true);
    expect(writer.started).toBe(true);
    writer.write([event('b'), event('c')]);
    writer.hold([event('d')]);
    writer.end('data: [DONE]\n\n');
    expect(sends).toEqual([
      `${HEAD}x-gateway-provider: sim\r\nx-gateway-model: echo\r\nx-ratelimit-remaining-requests: 9\r\n${event('a').toString()}`,
      event('b').toString() + event('c').toString(),
      `${event('d').toString()}data: [DONE]\n\n`,
    ]);
    expect(response.status).toBe(200);
  });

  it('writes the head with the final bytes of a stream that sent nothing before', () => {
    const { response, sends } = renderingResponse();
    new SseWriter(response).end(null);
    expect(sends).toEqual([HEAD]);
  });

  it('leaves out a header whose value would end its line (CR, LF or NUL), keeping the others in order', () => {
    const { response, sends } = renderingResponse();
    const writer = new SseWriter(response, { 'x-gateway-provider': 'sim', 'x-gateway-model': 'evil\r\nset-cookie: a=b', 'x-z': 'a\u0000b', 'x-last': 'kept' });
    writer.end('data: [DONE]\n\n');
    expect(sends).toEqual([`${HEAD}x-gateway-provider: sim\r\nx-last: kept\r\ndata: [DONE]\n\n`]);
  });
});
