// The upstream call alone (pipeline/call-upstream.ts over its WarmPool), called the floor's way and the
// data plane's way against the bench simulator (a child process): what undici does for each caller
// (issue 19: undici's JavaScript and parser cost the data plane more per request than the floor, on the
// same Pool and simulator). The ways differ only in what the caller hands `callUpstream`, as
// bench/floor-relay.ts and pipeline/call-endpoints.ts hand it:
//   floor:   a JSON string body, no headers timeout of its own (the client's), a short request id;
//   gateway: the adapter's spliced Buffer body, the attempt's headers timeout (what is left of the total
//            timeout: a fraction of a millisecond under the body timeout, different every request), a UUID;
//   gateway-string: gateway with a string body; gateway-whole-ms: gateway with a headers timeout equal
//            to the body timeout: to tell the differences apart.
//
//   node --import tsx bench/count-upstream-call.ts [--root=DIR[,DIR]] [--ways=floor,gateway] [--runs=2]
//     [--requests=2000] [--warmup=3000] [--in-flight=8] [--cpu [--rounds=10]]
//
// Default: instructions per call under `valgrind --tool=callgrind --instr-atstart=no`, each way and root
// in a process of its own (the ICs one caller's shapes leave do not reach the other's), counted between
// `callgrind_control -i on` and `-i off` (what runs by the clock, timers and the JIT, included: run each
// side several times), alternated --runs times. --cpu: in one process per root, the ways' rounds of
// --requests alternated on one Pool, each way's median client CPU µs per call (process.cpuUsage) and its
// ratio to the first way: timed, so noise on a loaded machine; run it under flock /work/team/bench.lock.
import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type * as CallUpstreamModule from '../data-plane/src/pipeline/call-upstream.ts';
import type * as CancelSignalModule from '../data-plane/src/pipeline/cancel-signal.ts';
import { option } from './command-line-option.ts';

const run = promisify(execFile);
const REPOSITORY_ROOT = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const WAYS = ['floor', 'gateway', 'gateway-string', 'gateway-whole-ms'] as const;
type Way = (typeof WAYS)[number];

const TIMEOUT_MS = 120_000;
/** The bench's short chat request, as the data plane sends it upstream (model spliced in). */
const BODY = JSON.stringify({ model: 'echo', messages: [{ role: 'user', content: 'Hello, benchmark' }], max_tokens: 64 });

async function client(
  root: string,
  ways: Way[],
  port: number,
  warmup: number,
  requests: number,
  rounds: number,
  inFlight: number,
  cpu: boolean,
): Promise<void> {
  const { callUpstream, createUpstreamClient } = (await import(join(root, 'data-plane/src/pipeline/call-upstream.ts'))) as typeof CallUpstreamModule;
  const { CancelSignal } = (await import(join(root, 'data-plane/src/pipeline/cancel-signal.ts'))) as typeof CancelSignalModule;
  const upstream = createUpstreamClient({ timeoutMs: TIMEOUT_MS, allowPrivateUpstreams: true, providerKeys: new Map() });
  const url = `http://127.0.0.1:${port}/v1/chat/completions`;
  let sent = 0;
  const one = async (way: Way): Promise<void> => {
    // The total timeout's deadline is taken when the request arrives, a little before the call.
    const deadline = performance.now() + TIMEOUT_MS;
    const gateway = way !== 'floor';
    const headers: Record<string, string> = { 'content-type': 'application/json', authorization: 'Bearer sk-bench-upstream' };
    const http = { url, headers, body: way === 'gateway' || way === 'gateway-whole-ms' ? Buffer.from(BODY, 'latin1') : BODY };
    const answer = await callUpstream(upstream, {
      http,
      requestId: gateway ? randomUUID() : `floor-${sent}`,
      signal: new CancelSignal(),
      headersTimeoutMs: way === 'floor' ? undefined : way === 'gateway-whole-ms' ? TIMEOUT_MS : Math.min(TIMEOUT_MS, deadline - performance.now()),
      whole: true,
    });
    const bytes = await answer.body.bytes();
    JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1'));
  };
  const batch = async (way: Way, count: number): Promise<void> => {
    const end = sent + count;
    const worker = async () => {
      while (sent < end) {
        sent += 1;
        await one(way);
      }
    };
    await Promise.all(Array.from({ length: inFlight }, worker));
  };
  for (const way of ways) await batch(way, warmup);
  if (cpu) {
    // Rounds alternated over the ways on the one Pool; each way's median round.
    const perWay = new Map<Way, number[]>(ways.map((way) => [way, []]));
    for (let round = 0; round < rounds; round += 1) {
      for (const way of round % 2 === 0 ? ways : [...ways].reverse()) {
        const before = process.cpuUsage();
        await batch(way, requests);
        const used = process.cpuUsage(before);
        perWay.get(way)!.push((used.user + used.system) / requests);
      }
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    const first = median(perWay.get(ways[0]!)!);
    for (const [way, values] of perWay) {
      process.stdout.write(
        `cpu ${way} ${median(values).toFixed(2)} ${(median(values) / first).toFixed(3)} ${values.map((value) => value.toFixed(1)).join(' ')}\n`,
      );
    }
  } else {
    await run('callgrind_control', ['-i', 'on', String(process.pid)]);
    await batch(ways[0]!, requests);
    await run('callgrind_control', ['-i', 'off', String(process.pid)]);
  }
  await upstream.close();
}

async function startSimulator(): Promise<{ port: number; stop(): void }> {
  const options = { port: 0, ttftMs: 0, interChunkMs: 0, chunkCount: 20, responseBytes: 1024 };
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPOSITORY_ROOT, 'bench/upstream-simulator-main.ts'), JSON.stringify(options)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  for await (const line of createInterface({ input: child.stdout! })) {
    const match = /^listening (\d+)/.exec(line);
    if (match) return { port: Number(match[1]), stop: () => child.kill('SIGTERM') };
  }
  throw new Error('the simulator did not start');
}

/** Instructions per call of one way in a process of its own (callgrind). */
async function count(root: string, way: Way, port: number, warmup: number, requests: number, inFlight: number): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'callgrind-'));
  try {
    await run(
      'valgrind',
      [
        '--tool=callgrind',
        '--instr-atstart=no',
        `--callgrind-out-file=${directory}/callgrind.out.%p`,
        process.execPath,
        ...childArgs(root, [way], port, warmup, requests, 1, inFlight),
      ],
      { maxBuffer: 64 * 1024 * 1024 },
    );
    let total = 0;
    for (const file of await readdir(directory)) {
      const totals = /^totals: (\d+)/m.exec(await readFile(join(directory, file), 'utf8'));
      total += Number(totals?.[1] ?? 0);
    }
    return `${(total / requests / 1000).toFixed(1)}k instructions per call`;
  } finally {
    if (process.env.KEEP_CALLGRIND === undefined) await rm(directory, { recursive: true, force: true });
    else process.stdout.write(`kept ${directory}\n`);
  }
}

function childArgs(root: string, ways: Way[], port: number, warmup: number, requests: number, rounds: number, inFlight: number): string[] {
  const script = join(REPOSITORY_ROOT, 'bench/count-upstream-call.ts');
  return [
    '--import',
    'tsx',
    script,
    '--child',
    `--root=${root}`,
    `--ways=${ways.join(',')}`,
    `--port=${port}`,
    `--warmup=${warmup}`,
    `--requests=${requests}`,
    `--rounds=${rounds}`,
    `--in-flight=${inFlight}`,
  ];
}

const warmup = Number(option(args, 'warmup') ?? 3000);
const requests = Number(option(args, 'requests') ?? 2000);
const inFlight = Number(option(args, 'in-flight') ?? 8);
const rounds = Number(option(args, 'rounds') ?? 10);
const cpu = args.includes('--cpu');
const ways = (option(args, 'ways') ?? 'floor,gateway').split(',') as Way[];
for (const way of ways) if (!WAYS.includes(way)) throw new Error(`unknown way ${way}; one of ${WAYS.join(', ')}`);
if (args.includes('--child')) {
  await client(option(args, 'root')!, ways, Number(option(args, 'port')), warmup, requests, rounds, inFlight, cpu);
  process.exit(0);
}
const roots = (option(args, 'root') ?? REPOSITORY_ROOT).split(',').map((root) => resolve(root));
const runs = Number(option(args, 'runs') ?? 2);
const simulator = await startSimulator();
const load = () =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');
try {
  for (let round = 0; round < runs; round += 1) {
    for (const root of roots) {
      if (cpu) {
        const { stdout } = await run(process.execPath, [...childArgs(root, ways, simulator.port, warmup, requests, rounds, inFlight), '--cpu']);
        for (const line of stdout.split('\n').filter((text) => text.startsWith('cpu '))) {
          const [, way, median, ratio, values] = /^cpu (\S+) (\S+) (\S+) (.*)$/.exec(line)!;
          process.stdout.write(`${root} ${way}: ${median} CPU µs per call (median of ${rounds}), ${ratio} of ${ways[0]}; rounds ${values}\n`);
        }
        process.stdout.write(`load average ${load()}\n`);
        continue;
      }
      for (const way of ways) {
        const text = await count(root, way, simulator.port, warmup, requests, inFlight);
        process.stdout.write(`${root} ${way}: ${text}; load average ${load()}\n`);
      }
    }
  }
} finally {
  simulator.stop();
}
