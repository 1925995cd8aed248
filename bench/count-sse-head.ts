// A stream's head and first event through SseWriter over a real uWS listener, for counting instructions:
// the handler writes the head with the first event corked (as the relay does), then ends with `[DONE]`;
// one client in the same process sends the requests one after another on a keep-alive connection. What
// differs between two trees is SseWriter (and what it calls); the rest (uWS, the client) is alike.
//
//   valgrind --tool=callgrind --instr-atstart=no --separate-threads=yes --callgrind-out-file=/tmp/a node --import tsx bench/count-sse-head.ts --root=DIR --callgrind
//   grep totals: /tmp/a-01   (divided by --requests: instructions per stream)
import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { option } from './command-line-option.ts';

const args = process.argv.slice(2);
const root = resolve(option(args, 'root') ?? '.');
const requests = Number(option(args, 'requests') ?? 2000);
const warmup = Number(option(args, 'warmup') ?? 3000);
const load = (path: string) => import(pathToFileURL(`${root}/data-plane/src/${path}`).href);
const { uws } = await load('http/uws-runtime.ts');
const { ClientResponse } = await load('http/client-response.ts');
const { SseWriter } = await load('http/sse-writer.ts');

const route = { route: 'bench', door: 'openai', operation: null, accessLevel: null };
const headers = { 'x-gateway-provider': 'simulator', 'x-gateway-model': 'simulator/echo' };
const first = [
  Buffer.from(
    'data: {"id":"c1","object":"chat.completion.chunk","created":5,"model":"simulator/echo","choices":[{"index":0,"delta":{"content":"token "},"finish_reason":null}]}\n\n',
  ),
];
const done = 'data: [DONE]\n\n';

const app = uws.App();
app.get('/*', (native: unknown) => {
  const response = new ClientResponse(native, '0a1b2c3d4e5f4a6b8c7d8e9f0a1b2c3d', route);
  // A turn later, as the pipeline answers (outside uWS's own cork).
  setImmediate(() => {
    const writer = new SseWriter(response, headers);
    writer.write(first);
    writer.end(done);
  });
});
const port = await new Promise<number>((listening) =>
  app.listen('127.0.0.1', 0, (socket: unknown) => {
    if (socket === false) throw new Error('listen failed');
    listening(uws.us_socket_local_port(socket));
  }),
);

const socket = connect(port, '127.0.0.1');
await new Promise((connected) => socket.once('connect', connected));
let received = '';
let answered: (() => void) | null = null;
socket.on('data', (data) => {
  received += data.toString('latin1');
  if (received.endsWith('\r\n0\r\n\r\n')) {
    received = '';
    answered?.();
  }
});
const one = () =>
  new Promise<void>((answer) => {
    answered = answer;
    socket.write('GET / HTTP/1.1\r\nhost: x\r\n\r\n');
  });

for (let index = 0; index < warmup; index += 1) await one();
if (args.includes('--callgrind')) {
  const awake = setInterval(() => {}, 1);
  await promisify(execFile)('callgrind_control', ['-i', 'on', String(process.pid)]);
  for (let index = 0; index < requests; index += 1) await one();
  await promisify(execFile)('callgrind_control', ['-i', 'off', String(process.pid)]);
  clearInterval(awake);
}
process.stdout.write(`${requests} streams\n`);
process.exit(0);
