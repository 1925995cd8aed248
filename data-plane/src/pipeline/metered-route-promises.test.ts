// Promises per request on the metered path (issue 19): every async layer that only passes a value on
// costs a promise, a microtask and a resumption per request. Counted with an async_hooks `init` hook
// (which also counts the throwaway promise of each `await`) while requests go through a data plane in
// this process, against the bench's uWS upstream (no promises of its own) and sent over raw sockets
// with callbacks (none either), so the count is the data plane's.
import { createHook } from 'node:async_hooks';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUpstreamSimulator, type UpstreamSimulator } from '../../../bench/upstream-simulator.ts';
import { startDataPlaneFixture, TEST_API_KEY, TEST_MODEL, type DataPlaneFixture } from '../testing/data-plane-fixture.ts';

let simulator: UpstreamSimulator;
let fixture: DataPlaneFixture;

beforeAll(async () => {
  simulator = await startUpstreamSimulator({ port: 0, ttftMs: 0, interChunkMs: 0, chunkCount: 4, responseBytes: 1024 });
  fixture = await startDataPlaneFixture(`http://127.0.0.1:${simulator.port}/v1`);
});

afterAll(async () => {
  await fixture.close();
  simulator.close();
});

function requestBytes(stream: boolean): Buffer {
  const body = JSON.stringify({ model: TEST_MODEL, messages: [{ role: 'user', content: 'Say hello.' }], ...(stream ? { stream: true } : {}) });
  const head = [
    'POST /v1/chat/completions HTTP/1.1',
    'host: localhost',
    'content-type: application/json',
    `authorization: Bearer ${TEST_API_KEY}`,
    `content-length: ${Buffer.byteLength(body)}`,
  ];
  return Buffer.from(`${head.join('\r\n')}\r\n\r\n${body}`);
}

/** Sends `rounds` requests on each of `sockets`, one after the other on each; calls `done` with the statuses. */
function load(port: number, sockets: number, rounds: number, stream: boolean, done: (statuses: string[]) => void): void {
  const request = requestBytes(stream);
  const statuses: string[] = [];
  let open = sockets;
  for (let index = 0; index < sockets; index += 1) {
    const socket: Socket = connect(port, '127.0.0.1');
    let received = '';
    let sent = 0;
    const next = () => {
      if (sent === rounds) {
        socket.end();
        if (--open === 0) done(statuses);
        return;
      }
      sent += 1;
      socket.write(request);
    };
    socket.on('connect', next);
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      // Each answer ends with its body: content-length for a complete answer, [DONE] and the chunked terminator for a stream.
      const head = received.indexOf('\r\n\r\n');
      if (head === -1) return;
      const length = /content-length: (\d+)/i.exec(received.slice(0, head));
      const complete = length !== null ? received.length >= head + 4 + Number(length[1]) : received.endsWith('0\r\n\r\n');
      if (!complete) return;
      statuses.push(received.slice(9, 12));
      received = '';
      next();
    });
  }
}

async function promisesPerRequest(stream: boolean): Promise<number> {
  const port = fixture.dataPlane.port;
  let promises = 0;
  let counting = false;
  const hook = createHook({
    init(_id, type) {
      if (counting && type === 'PROMISE') promises += 1;
    },
  }).enable();
  try {
    // Warm: connections to the upstream, the JIT.
    await new Promise((resolve) => load(port, 8, 5, stream, resolve));
    const sockets = 8;
    const rounds = 25;
    const statuses = await new Promise<string[]>((resolve) => {
      counting = true;
      load(port, sockets, rounds, stream, (done) => {
        counting = false;
        resolve(done);
      });
    });
    expect(statuses).toEqual(Array.from({ length: sockets * rounds }, () => '200'));
    return promises / (sockets * rounds);
  } finally {
    hook.disable();
  }
}

describe('promises per request on the metered path', () => {
  it('a complete answer: one layer per step that waits (the body, the upstream call, the spool), none that only passes a value on', async () => {
    // 30.0 before the async layers were cut (2026-12-07), 17.0 after; 22.0 after when every request's usage
    // is committed alone (one socket), the worst the spool's group commits can do: the bound holds above that.
    expect(await promisesPerRequest(false)).toBeLessThan(25);
  });
});
