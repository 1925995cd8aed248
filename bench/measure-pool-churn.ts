// How many upstream connections the data plane's upstream client opens and loses under a steady load
// with bursts, against a server that closes idle connections (issue 19, the 2,000 req/s tail): the
// bench's simulator (uWS) closes them after 10 s, so connections a burst opened and steady load left
// idle are closed together and opened again by a later burst. Here time is scaled down: a local
// node:http server closing idle connections after --idle-ms, `--rate` requests a second one at a time,
// and every --burst-every-ms a burst of --burst requests at once, for --seconds. Counts what the server
// saw (connections accepted, connections closed) and the process's CPU time. The server closes idle
// connections itself, without a Keep-Alive hint, as uWS does (node's own idle timeout sends one, which
// undici obeys less its 2 s threshold: a 1 s hint would close every connection after each answer).
//   node --import tsx bench/measure-pool-churn.ts [--root=DIR] [--seconds=10] [--rate=200] [--burst=30]
//     [--burst-every-ms=2500] [--idle-ms=1000] [--keep-warm-ms=100]
// --keep-warm-ms is the pool's sweep (warm-pool.ts; 1 s in the data plane, against the simulator's 10 s
// idle timeout, scaled down here as the rest); a checkout without it ignores it.
import { createServer } from 'node:http';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type * as CallUpstreamModule from '../data-plane/src/pipeline/call-upstream.ts';
import type * as CancelSignalModule from '../data-plane/src/pipeline/cancel-signal.ts';
import { REPOSITORY_ROOT } from './targets.ts';

const { values } = parseArgs({
  options: {
    root: { type: 'string', default: REPOSITORY_ROOT },
    seconds: { type: 'string', default: '10' },
    rate: { type: 'string', default: '200' },
    burst: { type: 'string', default: '30' },
    'burst-every-ms': { type: 'string', default: '2500' },
    'idle-ms': { type: 'string', default: '1000' },
    'keep-warm-ms': { type: 'string', default: '100' },
  },
});
const module = (path: string) => import(pathToFileURL(join(values.root, path)).href);
const { callUpstream, createUpstreamClient } = (await module('data-plane/src/pipeline/call-upstream.ts')) as typeof CallUpstreamModule;
const { CancelSignal } = (await module('data-plane/src/pipeline/cancel-signal.ts')) as typeof CancelSignalModule;

let accepted = 0;
let closed = 0;
/** Each open connection and when it last finished an answer (null while one is in flight). */
const idleSince = new Map<Socket, number | null>();
const server = createServer((request, response) => {
  idleSince.set(request.socket, null);
  request.resume();
  request.on('end', () => response.end('{"ok":true}', () => idleSince.set(request.socket, performance.now())));
});
server.keepAliveTimeout = 0;
server.on('connection', (socket: Socket) => {
  accepted += 1;
  idleSince.set(socket, performance.now());
  socket.on('close', () => {
    closed += 1;
    idleSince.delete(socket);
  });
});
const idleCloser = setInterval(() => {
  const before = performance.now() - Number(values['idle-ms']);
  for (const [socket, since] of idleSince) if (since !== null && since < before) socket.end();
}, 20);
await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/v1/chat/completions`;

const client = createUpstreamClient({
  timeoutMs: 30_000,
  allowPrivateUpstreams: true,
  providerKeys: new Map(),
  keepWarmMs: Number(values['keep-warm-ms']),
});
let failed = 0;
const call = async () => {
  try {
    const answer = await callUpstream(client, { http: { url, headers: {}, body: '{}' }, requestId: 'churn', signal: new CancelSignal(), whole: true });
    await answer.body.text();
  } catch {
    failed += 1;
  }
};

const cpuBefore = process.cpuUsage();
const endAt = performance.now() + Number(values.seconds) * 1000;
const burstTimer = setInterval(() => {
  const before = { accepted, closed };
  void Promise.all(Array.from({ length: Number(values.burst) }, call)).then(() =>
    process.stdout.write(
      `burst at ${(performance.now() / 1000).toFixed(1)} s: opened ${accepted - before.accepted}, closed ${closed - before.closed} meanwhile\n`,
    ),
  );
}, Number(values['burst-every-ms']));
const intervalMs = 1000 / Number(values.rate);
while (performance.now() < endAt) {
  await call();
  await new Promise((resolve) => setTimeout(resolve, intervalMs));
}
clearInterval(burstTimer);
const cpu = process.cpuUsage(cpuBefore);
process.stdout.write(
  `${values.root}: connections opened ${accepted}, closed by the server ${closed}, failed requests ${failed}; CPU ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms\n`,
);
clearInterval(idleCloser);
await client.close();
server.close();
