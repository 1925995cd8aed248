// A stream's per-chunk JavaScript in one process, for counting instructions: relayStream with the
// OpenAI-compatible translator, metering and the cost ceiling over a body like the bench's (the
// simulator's events: 20 content chunks, one a read, then the finish, usage and `[DONE]` in one read),
// into a writer that keeps nothing. No sockets, undici or uWS: what is left is ours. Run it under
// callgrind with --callgrind, which counts only the measured streams (callgrind_control after the warm-up):
//
//   valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file=/tmp/a node --import tsx bench/count-stream-relay.ts --root=DIR --callgrind
//   grep totals: /tmp/a   (divided by --streams: instructions per stream)
//
// Without --callgrind: CPU µs per stream (process.cpuUsage), several roots (--root=A,B) alternated --rounds times.
// --coalesced reads the 20 content chunks as one (a relay that fell behind at saturation).
import { execFile } from 'node:child_process';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { option } from './command-line-option.ts';
import { CONTENT_EVENT, DONE_EVENT, FINISH_EVENT, usageEvent } from './upstream-simulator.ts';

const args = process.argv.slice(2);
const roots = (option(args, 'root') ?? '.').split(',').map((root) => resolve(root));
const rounds = Number(option(args, 'rounds') ?? 1);
const streams = Number(option(args, 'streams') ?? 2000);
const warmup = Number(option(args, 'warmup') ?? 2000);
const chunks = Number(option(args, 'chunks') ?? 20);
const coalesced = args.includes('--coalesced');

const content = Buffer.from(CONTENT_EVENT);
const last = Buffer.from(FINISH_EVENT + usageEvent(chunks) + DONE_EVENT);
// Each read a Buffer of its own, as undici hands them over.
const reads = (): Buffer[] => [
  ...(coalesced ? [Buffer.from(Buffer.concat(Array.from({ length: chunks }, () => content)))] : Array.from({ length: chunks }, () => Buffer.from(content))),
  Buffer.from(last),
];

/** A body whose reads resolve at once, as StreamedAnswer's `next()` with chunks queued. */
function body(pieces: Buffer[]): AsyncIterable<Buffer> {
  let index = 0;
  const iterator = {
    next: () => Promise.resolve(index < pieces.length ? { value: pieces[index++] as Buffer, done: false } : { value: undefined, done: true }),
    return: () => Promise.resolve({ value: undefined, done: true }),
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator as AsyncIterable<Buffer>;
}

let written = 0;
const writer = {
  closed: false,
  started: false,
  write(events: readonly Uint8Array[]): boolean {
    for (const event of events) written += event.length;
    return true;
  },
  writable: () => Promise.resolve(),
  end: () => {},
};
const pricer = { usageChunkFields: () => ({ usage: { cost: 1 }, chunk: {} }) };
const prices = { prompt: 1000, completion: 2000, cacheRead: null, cacheWrite: null };

interface Tree {
  root: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each tree's own modules, loaded by path
  modules: Record<string, any>;
}

async function loadTree(root: string): Promise<Tree> {
  const load = (path: string) => import(pathToFileURL(`${root}/data-plane/src/${path}`).href);
  const modules = {
    ...(await load('pipeline/relay-stream.ts')),
    ...(await load('providers/openai-compatible/openai-compatible-stream-translator.ts')),
    ...(await load('metering/meter-chunk-stream.ts')),
    ...(await load('metering/completion-text.ts')),
    ...(await load('metering/stream-cost-ceiling.ts')),
  };
  return { root, modules };
}

async function one({ modules }: Tree): Promise<void> {
  const { relayStream, OpenAICompatibleStreamTranslator, MeteredChunkStream, CompletionText, StreamCostCeiling } = modules;
  const text = new CompletionText();
  const meter = { completionText: text, firstByte() {}, upstreamFinished() {}, recordResponse() {} };
  const translator = new MeteredChunkStream(
    new OpenAICompatibleStreamTranslator({ created: 1_700_000_000, clientWantsUsage: false, model: 'simulator/echo' }),
    text,
    pricer,
  );
  const ceiling = new StreamCostCeiling(100_000, 12, prices);
  const result = await relayStream(body(reads()), writer, meter, translator, { signal: { aborted: false }, ceiling });
  if (result.outcome !== 'completed') throw new Error(`stream ${result.outcome}: ${result.error?.message}`);
}

const trees = await Promise.all(roots.map(loadTree));
for (const tree of trees) for (let index = 0; index < warmup; index += 1) await one(tree);
if (args.includes('--callgrind')) {
  // callgrind takes its commands while the process runs: a timer keeps it turning until it has.
  const awake = setInterval(() => {}, 1);
  await promisify(execFile)('callgrind_control', ['-i', 'on', String(process.pid)]);
  for (let index = 0; index < streams; index += 1) await one(trees[0] as Tree);
  await promisify(execFile)('callgrind_control', ['-i', 'off', String(process.pid)]);
  clearInterval(awake);
  process.stdout.write(`${streams} streams counted\n`);
  process.exit(0);
}
const timings = new Map<string, number[]>(roots.map((root) => [root, []]));
for (let round = 0; round < rounds; round += 1) {
  for (const tree of trees) {
    const before = process.cpuUsage();
    for (let index = 0; index < streams; index += 1) await one(tree);
    const used = process.cpuUsage(before);
    timings.get(tree.root)?.push((used.user + used.system) / streams);
  }
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
for (const [root, values] of timings) process.stdout.write(`${root}: CPU µs per stream, median of ${values.length} rounds ${median(values).toFixed(2)}\n`);
process.stdout.write(
  `${streams * rounds * trees.length} streams, ${written} bytes written; load average ${loadavg()
    .map((value) => value.toFixed(2))
    .join(' ')}\n`,
);
