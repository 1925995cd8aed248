// What an upstream connection closed by the peer costs the request loop (issue 19, the latency tail).
// Opens N keep-alive connections through the data plane's upstream client, has a local server close
// them while idle (as the bench's uWS simulator does after 10 s, without a Keep-Alive hint), and reports per close: the time spent in the socket's destroy (undici's error, Node's
// stream destroy reading its `stack`) and the loop's worst delay.
//   node --expose-gc --import tsx bench/measure-socket-close.ts [--connections=50] [--rounds=5] [--gcs-between=8]
//     [--unmapped]   (stacks formatted without the source maps, as the data plane's main.ts does)
import { createServer } from 'node:http';
import { Socket } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
// The whole data plane's module graph, so the source maps a real process holds are loaded.
import '../data-plane/src/start-data-plane.ts';
import { createUpstreamClient } from '../data-plane/src/pipeline/call-upstream.ts';
import { formatStacksUnmapped } from '../shared/src/source-mapped-stack.ts';

const { values } = parseArgs({
  options: {
    connections: { type: 'string', default: '50' },
    rounds: { type: 'string', default: '5' },
    unmapped: { type: 'boolean', default: false },
    // Full collections between rounds (needs --expose-gc): V8 flushes the bytecode of functions unused
    // for a few, so a close after a long idle stretch runs cold, as in a served process.
    'gcs-between': { type: 'string', default: '0' },
  },
});
const connections = Number(values.connections);
if (values.unmapped) formatStacksUnmapped();

const server = createServer((request, response) => {
  request.resume();
  // Held a little so the client opens one connection per concurrent request.
  setTimeout(() => response.end('{"ok":true}'), 20);
});
// Its Keep-Alive hint is above the pool's own idle timeout: the close comes from the server unannounced.
server.keepAliveTimeout = 120_000;
await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
const port = (server.address() as { port: number }).port;

const destroyTimes: number[] = [];
const originalDestroy = Socket.prototype.destroy;
Socket.prototype.destroy = function (this: Socket, error?: Error) {
  if (error === undefined) return originalDestroy.call(this, error);
  const start = performance.now();
  const result = originalDestroy.call(this, error);
  destroyTimes.push(performance.now() - start);
  return result;
};

const client = createUpstreamClient({ timeoutMs: 30_000, allowPrivateUpstreams: true, providerKeys: new Map() });
const { pool } = client.target(`http://127.0.0.1:${port}/v1/chat/completions`);
const delay = monitorEventLoopDelay({ resolution: 1 });
for (let round = 0; round < Number(values.rounds); round++) {
  await Promise.all(
    Array.from({ length: connections }, async () => {
      const answer = await pool.request({ method: 'POST', path: '/v1/chat/completions', body: '{}' });
      await answer.body.text();
    }),
  );
  for (let gcs = 0; gcs < Number(values['gcs-between']); gcs++) (globalThis as { gc?: () => void }).gc?.();
  destroyTimes.length = 0;
  delay.reset();
  delay.enable();
  await sleep(100);
  server.closeIdleConnections();
  await sleep(200);
  delay.disable();
  const sorted = [...destroyTimes].sort((a, b) => a - b);
  const total = sorted.reduce((sum, time) => sum + time, 0);
  console.log(
    `round ${round}: closes ${sorted.length}, destroy ms per close mean ${(total / Math.max(1, sorted.length)).toFixed(3)} ` +
      `p50 ${sorted[Math.floor(sorted.length / 2)]?.toFixed(3)} max ${sorted.at(-1)?.toFixed(3)}, total ${total.toFixed(1)} ms, ` +
      `loop delay max ${(delay.max / 1e6).toFixed(1)} ms`,
  );
}
await client.close();
server.close();
