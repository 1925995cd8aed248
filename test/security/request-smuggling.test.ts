// Issue 13, defect 10 (framing): a request with two Content-Length headers was served, framed by the
// first. Behind a proxy that frames by the last one, the bytes after the short body are a second
// request the proxy never saw (request smuggling), or the long body swallows the next client's request.
// The attacks on a raw socket, and the answers: two Content-Length headers get a 400 in the door's
// envelope and the connection is closed, so nothing after them is read; Content-Length together with
// Transfer-Encoding: chunked is refused by uWebSockets.js's parser, which closes the connection.
import { connect } from 'node:net';
import { describe, expect, test } from 'vitest';
import { TEST_API_KEY, TEST_MODEL } from '../../data-plane/src/testing/data-plane-fixture.ts';
import { useSimulatedDataPlane } from '../support/simulated-data-plane.ts';

/** Writes `text` on a new connection and resolves with everything received once the data plane closes it. */
function exchange(port: number, text: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (data) => (received += data.toString('latin1')));
    socket.on('error', () => resolve(received));
    socket.on('close', () => resolve(received));
    socket.on('connect', () => socket.write(text));
  });
}

const SMUGGLED = 'GET /v1/models HTTP/1.1\r\nhost: localhost\r\n\r\n';

function post(path: string, headers: string[], body: string): string {
  return [`POST ${path} HTTP/1.1`, 'host: localhost', `authorization: Bearer ${TEST_API_KEY}`, 'content-type: application/json', ...headers, '', body].join(
    '\r\n',
  );
}

const chatBody = JSON.stringify({ model: TEST_MODEL, messages: [{ role: 'user', content: 'hi' }] });
const messagesBody = JSON.stringify({ model: TEST_MODEL, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });

describe('request smuggling through the framing headers', () => {
  const running = useSimulatedDataPlane();

  test.each([
    ['different', (length: number) => [`content-length: ${length}`, `content-length: ${length + 10}`]],
    ['the same twice', (length: number) => [`content-length: ${length}`, `Content-Length: ${length}`]],
  ])('two Content-Length headers (%s) get a 400 and the connection closes', async (_name, lengths) => {
    const received = await exchange(running.fixture.dataPlane.port, post('/v1/chat/completions', lengths(chatBody.length), chatBody));
    expect(received).toMatch(/^HTTP\/1\.1 400 /);
    expect(JSON.parse(received.slice(received.indexOf('\r\n\r\n') + 4))).toEqual({
      error: { code: 'invalid_request', type: 'invalid_request_error', message: 'The request has more than one Content-Length header.', param: null },
    });
    expect(running.simulator.requests).toHaveLength(0);
  });

  test.each([
    ['shorter first', (length: number) => [`content-length: ${length}`, `content-length: ${length + SMUGGLED.length}`]],
    ['longer first', (length: number) => [`content-length: ${length + SMUGGLED.length}`, `content-length: ${length}`]],
  ])('a request behind two Content-Length headers (%s) is never served', async (_name, lengths) => {
    const received = await exchange(running.fixture.dataPlane.port, post('/v1/chat/completions', lengths(chatBody.length), chatBody) + SMUGGLED);
    // The connection closes: with the 400 when the smuggled bytes were read as the body, without an
    // answer when uWS read them as a request pipelined behind an unanswered one.
    expect(received.match(/HTTP\/1\.1 /g)?.length ?? 0).toBeLessThanOrEqual(1);
    if (received !== '') expect(received).toMatch(/^HTTP\/1\.1 400 /);
    expect(received).not.toContain('"object":"list"');
    expect(running.simulator.requests).toHaveLength(0);
  });

  test("the Anthropic door refuses them in Anthropic's envelope", async () => {
    const lengths = [`content-length: ${messagesBody.length}`, `content-length: ${messagesBody.length + 10}`];
    const received = await exchange(running.fixture.dataPlane.port, post('/v1/messages', lengths, messagesBody));
    expect(received).toMatch(/^HTTP\/1\.1 400 /);
    expect(JSON.parse(received.slice(received.indexOf('\r\n\r\n') + 4))).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error', message: 'The request has more than one Content-Length header.' },
    });
    expect(running.simulator.requests).toHaveLength(0);
  });

  test.each([
    ['Content-Length then Transfer-Encoding', ['content-length: 4', 'transfer-encoding: chunked']],
    ['Transfer-Encoding then Content-Length', ['transfer-encoding: chunked', `content-length: ${chatBody.length + 100}`]],
  ])('%s: the connection is closed without serving anything', async (_name, headers) => {
    const chunked = `${chatBody.length.toString(16)}\r\n${chatBody}\r\n0\r\n\r\n`;
    const received = await exchange(running.fixture.dataPlane.port, post('/v1/chat/completions', headers, chunked) + SMUGGLED);
    expect(received).toBe('');
    expect(running.simulator.requests).toHaveLength(0);
  });

  test('a request with one Content-Length, and a chunked one, are still served', async () => {
    const single = await exchange(
      running.fixture.dataPlane.port,
      post('/v1/chat/completions', [`content-length: ${chatBody.length}`, 'connection: close'], chatBody),
    );
    expect(single).toMatch(/^HTTP\/1\.1 200 /);
    const chunked = `${chatBody.length.toString(16)}\r\n${chatBody}\r\n0\r\n\r\n`;
    const received = await exchange(running.fixture.dataPlane.port, post('/v1/chat/completions', ['transfer-encoding: chunked', 'connection: close'], chunked));
    expect(received).toMatch(/^HTTP\/1\.1 200 /);
    expect(running.simulator.requests).toHaveLength(2);
  });
});
