// The exact bytes sendJson puts on the wire (status line, headers in order, body), over a real uWS
// listener and a raw socket: the head goes to uWS as one text (http/response-head.ts), so this pins it
// to what a writeStatus and one writeHeader per header wrote.
import { connect } from 'node:net';
import type { HttpResponse, TemplatedApp, us_listen_socket } from 'uWebSockets.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientResponse } from './client-response.ts';
import { sendJson } from './send-json.ts';
import { uws } from './uws-runtime.ts';

const route = { route: 'test', door: 'openai', operation: null, accessLevel: null };
const REQUEST_ID = '0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d';

/** What each path answers, sent a turn after the request as the pipeline does (outside uWS's own cork). */
const answers: Record<string, (response: ClientResponse) => void> = {
  '/plain': (response) => sendJson(response, 200, '{"ok":true}'),
  '/headers': (response) =>
    sendJson(response, 200, Buffer.from('{"id":"x"}'), { 'x-gateway-cost-microdollars': '69', 'x-gateway-latency-ms': '1.5', 'x-gateway-model': 'echo' }),
  '/unknown-status': (response) => sendJson(response, 418, '{}', { 'retry-after': '7' }),
  '/close': (response) => sendJson(response, 503, '{"error":{}}', null, true),
  '/line-breaks': (response) =>
    sendJson(response, 502, '{}', {
      'x-gateway-provider': 'sim',
      'x-gateway-model': 'evil\r\nset-cookie: a=b',
      'retry-after': '1\n',
      'x-z': 'a\u0000b',
      'x-last': 'kept',
    }),
};

let app: TemplatedApp;
let listenSocket: us_listen_socket;
let port: number;

beforeAll(async () => {
  app = uws.App();
  app.get('/*', (native: HttpResponse, request) => {
    const response = new ClientResponse(native, REQUEST_ID, route);
    const answer = answers[request.getUrl()];
    if (answer !== undefined) setImmediate(answer, response);
  });
  await new Promise<void>((resolve) =>
    app.listen('127.0.0.1', 0, (socket) => {
      if (socket === false) throw new Error('listen failed');
      listenSocket = socket;
      port = uws.us_socket_local_port(socket);
      resolve();
    }),
  );
});

afterAll(() => uws.us_listen_socket_close(listenSocket));

/** One request's answer as bytes (latin1), with uWS's Date value replaced by `<date>`. */
function get(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    const done = () => {
      socket.destroy();
      resolve(received.replace(/\r\nDate: [^\r]*\r\n/, '\r\nDate: <date>\r\n'));
    };
    socket.on('data', (data) => {
      received += data.toString('latin1');
      const headEnd = received.indexOf('\r\n\r\n');
      const length = /\r\nContent-Length: (\d+)\r\n/.exec(received)?.[1];
      if (headEnd >= 0 && length !== undefined && received.length >= headEnd + 4 + Number(length)) done();
    });
    socket.on('close', done);
    socket.on('error', reject);
    socket.on('connect', () => socket.write(`GET ${path} HTTP/1.1\r\nhost: x\r\n\r\n`));
  });
}

describe('sendJson on the wire', () => {
  it('writes the status line, x-request-id and content-type before uWS’s own headers', async () => {
    expect(await get('/plain')).toBe(
      `HTTP/1.1 200 OK\r\nx-request-id: ${REQUEST_ID}\r\ncontent-type: application/json\r\nDate: <date>\r\nuWebSockets: 20\r\nContent-Length: 11\r\n\r\n{"ok":true}`,
    );
  });

  it('writes the given headers in their order, with a body given as bytes', async () => {
    expect(await get('/headers')).toBe(
      `HTTP/1.1 200 OK\r\nx-request-id: ${REQUEST_ID}\r\ncontent-type: application/json\r\n` +
        'x-gateway-cost-microdollars: 69\r\nx-gateway-latency-ms: 1.5\r\nx-gateway-model: echo\r\n' +
        'Date: <date>\r\nuWebSockets: 20\r\nContent-Length: 10\r\n\r\n{"id":"x"}',
    );
  });

  it('writes a status without a known reason as its number', async () => {
    expect(await get('/unknown-status')).toBe(
      `HTTP/1.1 418\r\nx-request-id: ${REQUEST_ID}\r\ncontent-type: application/json\r\nretry-after: 7\r\nDate: <date>\r\nuWebSockets: 20\r\nContent-Length: 2\r\n\r\n{}`,
    );
  });

  it('closes the connection when asked', async () => {
    expect(await get('/close')).toBe(
      `HTTP/1.1 503 Service Unavailable\r\nx-request-id: ${REQUEST_ID}\r\ncontent-type: application/json\r\nConnection: close\r\nDate: <date>\r\nuWebSockets: 20\r\nContent-Length: 12\r\n\r\n{"error":{}}`,
    );
  });

  it('leaves out a header whose value would end its line (CR, LF or NUL), and keeps the others', async () => {
    expect(await get('/line-breaks')).toBe(
      `HTTP/1.1 502 Bad Gateway\r\nx-request-id: ${REQUEST_ID}\r\ncontent-type: application/json\r\nx-gateway-provider: sim\r\nx-last: kept\r\nDate: <date>\r\nuWebSockets: 20\r\nContent-Length: 2\r\n\r\n{}`,
    );
  });
});
