// Promises created per request in the data plane (issue 19), counted rather than timed: an in-process
// data plane (the test fixture, a fake control plane) and the upstream simulator (uWS: it makes no
// promises), loaded by `hey` in its own process with a fixed number of requests. An async_hooks `init`
// hook counts every promise made while the load runs, the throwaway promise of each `await` included (V8
// makes one whenever a promise hook is on), and keeps the stack of one promise in `--sample` to name the
// functions that make them.
//
//   node --import tsx bench/count-promises.ts [--requests=4000] [--connections=32] [--stream] [--sample=50] [--rounds=3]
//     [--chunks=8] [--inter-chunk-ms=0]   (a stream's chunks, and the simulator's pause between them: the bench's are 20 and 1)
import { createHook } from 'node:async_hooks';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startDataPlaneFixture, TEST_API_KEY, TEST_MODEL } from '../data-plane/src/testing/data-plane-fixture.ts';
import { startUpstreamSimulator } from './upstream-simulator.ts';

function option(name: string, fallback: string): string {
  const prefix = `--${name}=`;
  return process.argv.find((arg) => arg.startsWith(prefix))?.slice(prefix.length) ?? fallback;
}

const requests = Number(option('requests', '4000'));
const connections = Number(option('connections', '32'));
const sampleEvery = Number(option('sample', '50'));
const rounds = Number(option('rounds', '3'));
const stream = process.argv.includes('--stream');
const chunkCount = Number(option('chunks', '8'));
const interChunkMs = Number(option('inter-chunk-ms', '0'));

let counting = false;
let promises = 0;
const sites = new Map<string, number>();

/** The first frames below the hook: who made the promise, and who called that. */
function siteOf(stack: string): string {
  const frames = stack
    .split('\n')
    .slice(1)
    .map((line) => line.trim().replace(/^at /, ''))
    .filter((frame) => !frame.includes('count-promises.ts') && !frame.includes('node:internal/async_hooks'));
  return frames
    .slice(0, 3)
    .map((frame) => frame.replace(/\(?file:\/\/[^)]*\/((?:data-plane|shared|bench|node_modules)\/[^)]*)\)?/, '($1)'))
    .join(' < ');
}

Error.stackTraceLimit = 12;
createHook({
  init(_id, type) {
    if (!counting || type !== 'PROMISE') return;
    promises += 1;
    if (promises % sampleEvery !== 0) return;
    const site = siteOf(new Error().stack ?? '');
    sites.set(site, (sites.get(site) ?? 0) + 1);
  },
}).enable();

const simulator = await startUpstreamSimulator({ port: 0, ttftMs: 0, interChunkMs, chunkCount, responseBytes: 1024 });
const fixture = await startDataPlaneFixture(`http://127.0.0.1:${simulator.port}/v1`);
const directory = await mkdtemp(join(tmpdir(), 'count-promises-'));
const bodyFile = join(directory, 'body.json');
await writeFile(bodyFile, JSON.stringify({ model: TEST_MODEL, messages: [{ role: 'user', content: 'Say hello.' }], ...(stream ? { stream: true } : {}) }));
const url = `http://127.0.0.1:${fixture.dataPlane.port}/v1/chat/completions`;
const hey = (n: number) =>
  promisify(execFile)('hey', [
    '-n',
    String(n),
    '-c',
    String(connections),
    '-m',
    'POST',
    '-T',
    'application/json',
    '-H',
    `Authorization: Bearer ${TEST_API_KEY}`,
    '-D',
    bodyFile,
    url,
  ]);

try {
  // Warm-up: the pools' connections, the JIT.
  await hey(1000);
  const perRequest: number[] = [];
  for (let round = 0; round < rounds; round += 1) {
    promises = 0;
    counting = true;
    const { stdout } = await hey(requests);
    counting = false;
    // hey sends requests / connections on each connection, so the 200s are the count.
    const statuses = [...stdout.matchAll(/\[(\d+)\]\s+(\d+) responses/g)];
    if (statuses.length !== 1 || statuses[0]![1] !== '200') throw new Error(`not every request was answered 200:\n${stdout}`);
    perRequest.push(promises / Number(statuses[0]![2]));
  }
  console.log(`${stream ? 'streamed' : 'non-streamed'}: promises per request ${perRequest.map((value) => value.toFixed(2)).join(', ')}`);
  const sampled = [...sites.values()].reduce((sum, n) => sum + n, 0);
  console.log(`sites (1 in ${sampleEvery} promises, per request):`);
  for (const [site, n] of [...sites].sort((a, b) => b[1] - a[1])) {
    const share = (n / sampled) * (perRequest.reduce((sum, value) => sum + value, 0) / perRequest.length);
    if (share >= 0.05) console.log(`${share.toFixed(2).padStart(6)}  ${site}`);
  }
} finally {
  await fixture.close();
  simulator.close();
  await rm(directory, { recursive: true, force: true });
}
