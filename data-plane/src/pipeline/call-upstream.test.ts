// The upstream client's whole-answer mode (CollectedAnswer) and streamed mode (StreamedAnswer) against a
// local HTTP server: what callers read, and how a client abort, a reader that stops and a stalled body end
// it, as with undici's request().
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { GatewayError } from '../../../shared/src/errors.ts';
import { callUpstream, createUpstreamClient, toUpstreamGatewayError, type UpstreamClient } from './call-upstream.ts';
import { CancelSignal } from './cancel-signal.ts';
import { readFirstEvent } from './read-first-event.ts';

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

let server: Server;
let handler: Handler = (_request, response) => response.end();
/** Requests whose connection closed before their response finished. */
let closedEarly = 0;
/** Only the signal ends its calls; `impatient` gives up on a body that stalls for 300 ms. */
let client: UpstreamClient;
let impatient: UpstreamClient;
let url: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    response.on('close', () => {
      if (!response.writableFinished) closedEarly += 1;
    });
    request.resume();
    request.on('end', () => handler(request, response));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/chat/completions`;
  client = createUpstreamClient({ timeoutMs: 60_000, allowPrivateUpstreams: true, providerKeys: new Map() });
  impatient = createUpstreamClient({ timeoutMs: 300, allowPrivateUpstreams: true, providerKeys: new Map() });
});

afterAll(async () => {
  await client.close();
  await impatient.close();
  await new Promise((resolve) => server.close(resolve));
});

function call(signal = new CancelSignal(), whole = true, through = client) {
  return callUpstream(through, { http: { url, headers: { 'content-type': 'application/json' }, body: '{}' }, requestId: 'req-1', signal, whole });
}

/** How reading a body failed, as the pipeline reports it. */
async function readFailure(read: Promise<unknown>, signal: CancelSignal): Promise<string> {
  const error = await read.then(
    () => null,
    (caught: unknown) => caught,
  );
  return error === null ? 'read' : toUpstreamGatewayError(error, signal).code;
}

describe('callUpstream, whole answers', () => {
  it('gives the status, the headers and the body sent in pieces, as request() does', async () => {
    handler = (request, response) => {
      response.writeHead(201, { 'content-type': 'application/json', 'x-seen-id': String(request.headers['x-request-id']) });
      response.write('\uFEFF{"pieces":');
      setTimeout(() => response.end('[1,2,"é"]}'), 20);
    };
    for (const whole of [true, false]) {
      const upstream = await call(new CancelSignal(), whole);
      expect(upstream.statusCode).toBe(201);
      expect(upstream.headers['x-seen-id']).toBe('req-1');
      expect(await upstream.body.text()).toBe('{"pieces":[1,2,"é"]}');
    }
    const upstream = await call();
    expect(Buffer.from(await upstream.body.bytes()).toString('utf8')).toBe('\uFEFF{"pieces":[1,2,"é"]}');
  });

  it('aborts the call when the client goes away while the body arrives (whole or streamed)', async () => {
    handler = (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"partial":');
    };
    for (const whole of [true, false]) {
      const before = closedEarly;
      const signal = new CancelSignal();
      const upstream = await call(signal, whole);
      const read = upstream.body.text();
      signal.abort();
      expect(await readFailure(read, signal)).toBe('client_closed');
      await expect.poll(() => closedEarly).toBeGreaterThan(before);
    }
  });

  it('never sends a call whose client already went away', async () => {
    const signal = new CancelSignal();
    signal.abort();
    const error = await call(signal).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).code).toBe('client_closed');
  });

  it('fails the read, not the call, when the body stalls past the timeout (whole or streamed)', async () => {
    handler = (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"stalled":');
    };
    for (const whole of [true, false]) {
      const signal = new CancelSignal();
      const upstream = await call(signal, whole, impatient);
      expect(upstream.statusCode).toBe(200);
      expect(await readFailure(Promise.resolve(upstream.body.bytes()), signal)).toBe('upstream_timeout');
    }
  });
});

/** undici's timers (its version is pinned), as its HTTP/1.1 parser calls them. */
const undiciTimers = createRequire(import.meta.url)('undici/lib/util/timers.js') as { setFastTimeout: (...args: unknown[]) => unknown };

describe('callUpstream, the timeouts undici is given', () => {
  it("makes undici no more timers for an attempt's headers timeout a fraction under the body timeout than for none", async () => {
    handler = (_request, response) => response.end('{}');
    const made = vi.spyOn(undiciTimers, 'setFastTimeout');
    /** The timers undici makes for ten calls one after the other (over one connection). */
    const timersOf = async (headersTimeoutMs?: number) => {
      made.mockClear();
      for (let index = 0; index < 10; index += 1) {
        const http = { url, headers: { 'content-type': 'application/json' }, body: '{}' };
        const upstream = await callUpstream(client, { http, requestId: `req-${index}`, signal: new CancelSignal(), headersTimeoutMs, whole: true });
        await upstream.body.bytes();
      }
      return made.mock.calls.length;
    };
    try {
      await timersOf();
      const none = await timersOf();
      // What call-endpoints gives the first attempt: what is left of the total timeout, just under it.
      expect(await timersOf(client.timeoutMs - 0.25)).toBe(none);
    } finally {
      made.mockRestore();
    }
  });
});

/** Reads a streamed body chunk by chunk, waiting `pauseMs` after each one (a client slower than the upstream). */
async function readSlowly(body: AsyncIterable<Buffer>, pauseMs: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) {
    chunks.push(chunk);
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
  return Buffer.concat(chunks);
}

describe('callUpstream, a connection closed under it', () => {
  it('sends the request again once, on a fresh connection, and fails with a gateway error when that one closes too', async () => {
    let requests = 0;
    let dropped = 0;
    let dropLimit = 1;
    handler = (request, response) => {
      requests += 1;
      // The first call is answered; then connections close on the requests they carry, `dropped` times.
      if (requests > 1 && dropped < dropLimit) {
        dropped += 1;
        request.socket.destroy();
        return;
      }
      response.end('{"ok":true}');
    };
    expect((await call()).statusCode).toBe(200);
    const retried = await call();
    expect(retried.statusCode).toBe(200);
    expect(await retried.body.text()).toBe('{"ok":true}');
    expect({ requests, dropped }).toEqual({ requests: 3, dropped: 1 });

    dropLimit = 3;
    const error = await call().then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).code).toBe('upstream_error');
    expect({ requests, dropped }).toEqual({ requests: 5, dropped: 3 });
  });
});

describe('callUpstream, streamed answers', () => {
  it('yields the body as it arrives, every byte in order, to a reader slower than the upstream', async () => {
    // 2 MiB written at once: far past what is queued before reading pauses.
    const body = Buffer.alloc(2 * 1024 * 1024);
    for (let index = 0; index < body.length; index += 1) body[index] = index % 251;
    handler = (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.end(body);
    };
    const upstream = await call(new CancelSignal(), false);
    expect(upstream.statusCode).toBe(200);
    expect((await readSlowly(upstream.body, 1)).equals(body)).toBe(true);
  });

  it('ends the call when the reader stops early', async () => {
    const before = closedEarly;
    handler = (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('data: 1\n\n');
    };
    const upstream = await call(new CancelSignal(), false);
    for await (const chunk of upstream.body) {
      expect(chunk.toString()).toBe('data: 1\n\n');
      break;
    }
    await expect.poll(() => closedEarly).toBeGreaterThan(before);
  });
  it('waits for the first whole event, its end split across chunks, then reads every byte from the start', async () => {
    handler = (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('data: 1\r\n');
      setTimeout(() => response.write('\r'), 20);
      setTimeout(() => response.end('\ndata: 2\r\n\r\n'), 40);
    };
    const upstream = await call(new CancelSignal(), false);
    const answer = await readFirstEvent(upstream.body);
    expect(answer).toBe(upstream.body);
    const first = await answer[Symbol.asyncIterator]().next();
    expect(first.value?.toString()).toMatch(/^data: 1\r\n\r\n/);
    let rest = '';
    for await (const chunk of answer) rest += chunk.toString();
    expect(first.value?.toString() + rest).toBe('data: 1\r\n\r\ndata: 2\r\n\r\n');
  });

  it('fails the wait for the first event when the body breaks before it', async () => {
    handler = (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('data: partial');
      setTimeout(() => response.destroy(), 20);
    };
    const signal = new CancelSignal();
    const upstream = await call(signal, false);
    expect(await readFailure(readFirstEvent(upstream.body), signal)).toBe('upstream_error');
  });

  it('gives a body that ends before any whole event as it came', async () => {
    handler = (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.end('data: cut');
    };
    const upstream = await call(new CancelSignal(), false);
    let text = '';
    for await (const chunk of await readFirstEvent(upstream.body)) text += chunk.toString();
    expect(text).toBe('data: cut');
  });
});

describe('callUpstream, connections a burst opened', () => {
  // The pools keep them in use (warm-pool.ts): against a server that closes connections idle for a while
  // without a Keep-Alive hint (as the bench's uWS simulator does), a burst and then one request at a time
  // leave every connection open, so the next burst opens none.
  /** The server closes a connection that has had no request for this long. */
  const IDLE_MS = 1000;
  const BURST = 8;

  const idleServer = createServer((request, response) => {
    busy.add(request.socket);
    request.resume();
    request.on('end', () => answer(response));
  });
  let opened = 0;
  let closedByServer = 0;
  const busy = new Set<Socket>();
  const idleSince = new Map<Socket, number>();
  /** Answers wait here while a burst is gathered, so that it opens BURST connections. */
  let held: ServerResponse[] | null = null;
  let warmClient: UpstreamClient;
  let idleUrl: string;
  let closer: NodeJS.Timeout;

  function answer(response: ServerResponse): void {
    if (held !== null) {
      held.push(response);
      if (held.length < BURST) return;
      const answers = held;
      held = null;
      for (const each of answers) answer(each);
      return;
    }
    const socket = response.socket!;
    response.end('{"ok":true}', () => {
      busy.delete(socket);
      idleSince.set(socket, performance.now());
    });
  }

  beforeAll(async () => {
    idleServer.keepAliveTimeout = 0;
    idleServer.on('connection', (socket: Socket) => {
      opened += 1;
      idleSince.set(socket, performance.now());
      socket.on('close', () => idleSince.delete(socket));
    });
    closer = setInterval(() => {
      const before = performance.now() - IDLE_MS;
      for (const [socket, since] of idleSince) {
        if (busy.has(socket) || since >= before) continue;
        idleSince.delete(socket);
        closedByServer += 1;
        socket.end();
      }
    }, 20);
    await new Promise<void>((resolve) => idleServer.listen(0, '127.0.0.1', resolve));
    idleUrl = `http://127.0.0.1:${(idleServer.address() as AddressInfo).port}/v1/chat/completions`;
    warmClient = createUpstreamClient({ timeoutMs: 60_000, allowPrivateUpstreams: true, providerKeys: new Map(), keepWarmMs: IDLE_MS / 20 });
  });

  afterAll(async () => {
    clearInterval(closer);
    await warmClient.close();
    await new Promise((resolve) => idleServer.close(resolve));
  });

  async function callIdleServer(): Promise<string> {
    const answer = await callUpstream(warmClient, {
      http: { url: idleUrl, headers: {}, body: '{}' },
      requestId: 'warm',
      signal: new CancelSignal(),
      whole: true,
    });
    return answer.body.text();
  }

  it('keeps the connections a burst opened open under a lighter load, and the next burst opens none', async () => {
    held = [];
    expect(await Promise.all(Array.from({ length: BURST }, callIdleServer))).toEqual(Array(BURST).fill('{"ok":true}'));
    expect(opened).toBe(BURST);
    // One request at a time, for well past the server's idle timeout.
    const until = performance.now() + 2.5 * IDLE_MS;
    // Each call after a wait: undici frees a connection a moment after its answer ended.
    await new Promise((resolve) => setTimeout(resolve, 5));
    while (performance.now() < until) {
      expect(await callIdleServer()).toBe('{"ok":true}');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    held = [];
    expect(await Promise.all(Array.from({ length: BURST }, callIdleServer))).toEqual(Array(BURST).fill('{"ok":true}'));
    expect({ opened, closedByServer }).toEqual({ opened: BURST, closedByServer: 0 });
  }, 20_000);
});
