// Instructions per request of a data plane: the gateway target (fake control plane, usage spool on) run
// under `valgrind --tool=callgrind --instr-atstart=no`, warmed up, then counted over a fixed number of
// non-streamed requests (a closed loop, a fixed number in flight) between `callgrind_control -i on` and
// `-i off`. A count does not depend on what else the machine runs, so it decides changes of a few percent
// that timing on a shared machine cannot in principle; in practice the whole data plane's count still
// moved by a fifth between runs of one tree (timers, the JIT, the collector: docs/architecture.md, Where
// the time goes), so run each side several times, alternated, and count a change in isolation too.
//
//   node --import tsx bench/count-instructions.ts [--root=DIR] [--warmup=3000] [--requests=2000] [--in-flight=8] [--prompt-bytes=N] [--flags="..."] [--env=K=V,K=V] [--runs=1] [--stream]
//
// --stream counts streamed requests instead (the simulator's 20 chunks 1 ms apart, as the bench's), per stream.
//
// Several roots (--root=A,B) are counted alternately, --runs times each. Prints instructions per request
// (all threads: the data plane's own helper threads count too) and the top functions of the last run
// with --top=N (callgrind_annotate).
import { execFile } from 'node:child_process';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Pool } from 'undici';
import { countRounds } from './callgrind-rounds.ts';
import { option } from './command-line-option.ts';
import { startGatewayTarget, startSimulator } from './targets.ts';

const run = promisify(execFile);
const TARGET_CPU = 0;
const LOAD_CPU = 1;

async function requests(
  pool: Pool,
  request: { path: string; headers: Record<string, string>; body: string },
  count: number,
  inFlight: number,
): Promise<number> {
  let next = 0;
  let failed = 0;
  const worker = async () => {
    while (next < count) {
      next += 1;
      const answer = await pool.request({
        method: 'POST',
        path: request.path,
        headers: { ...request.headers, 'content-type': 'application/json' },
        body: request.body,
      });
      await answer.body.arrayBuffer();
      if (answer.statusCode !== 200) failed += 1;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return failed;
}

/** `Ir` of the counted window: the main thread's (thread 1) and all threads' together. */
async function countedInstructions(directory: string, pid: number): Promise<{ main: number; all: number }> {
  const { stdout } = await run('sh', ['-c', `grep -H '^totals:' ${directory}/callgrind.out.${pid}.*`]);
  let main = 0;
  let all = 0;
  for (const line of stdout.split('\n').filter(Boolean)) {
    const value = Number(line.split(/\s+/)[1]);
    all += value;
    if (line.includes(`callgrind.out.${pid}.1-01:`)) main += value;
  }
  return { main, all };
}

async function count(root: string, args: string[], directory: string): Promise<{ main: number; all: number; pid: number }> {
  const warmup = Number(option(args, 'warmup') ?? 3000);
  const measured = Number(option(args, 'requests') ?? 2000);
  const inFlight = Number(option(args, 'in-flight') ?? 8);
  const promptBytes = option(args, 'prompt-bytes');
  const wrapper = join(directory, 'node-under-callgrind.sh');
  await writeFile(
    wrapper,
    `#!/bin/sh\nexec valgrind --tool=callgrind --instr-atstart=no --separate-threads=yes --callgrind-out-file=${directory}/callgrind.out.%p "${process.execPath}" "$@"\n`,
  );
  await chmod(wrapper, 0o755);
  const simulator = await startSimulator({ ttftMs: 0, interChunkMs: 1, chunkCount: 20, responseBytes: 1024 }, LOAD_CPU);
  const execPath = process.execPath;
  process.execPath = wrapper;
  let target: Awaited<ReturnType<typeof startGatewayTarget>>;
  try {
    // --env=USAGE_FLUSH_INTERVAL_MS=600000 holds shipping off: its batch is work per second, not per
    // request, and under callgrind a second holds a few dozen requests (fewer on a busy machine); but
    // then every event stays in memory and the collector's work grows instead.
    const env = Object.fromEntries(
      (option(args, 'env') ?? '')
        .split(',')
        .filter(Boolean)
        .map((pair) => pair.split('=') as [string, string]),
    );
    target = await startGatewayTarget(simulator, TARGET_CPU, option(args, 'flags')?.split(' ').filter(Boolean) ?? [], { name: 'gateway', root, env });
  } finally {
    process.execPath = execPath;
  }
  const request = target.request(args.includes('--stream'), promptBytes === undefined ? undefined : Number(promptBytes));
  const pool = new Pool(`http://${request.host}:${request.port}`, { connections: inFlight });
  try {
    const warmFailed = await requests(pool, request, warmup, inFlight);
    await run('callgrind_control', ['-i', 'on', String(target.pid)]);
    const failed = await requests(pool, request, measured, inFlight);
    await run('callgrind_control', ['-i', 'off', String(target.pid)]);
    await run('callgrind_control', ['-d', String(target.pid)]);
    if (warmFailed + failed > 0) throw new Error(`${warmFailed + failed} requests failed`);
    const { main, all } = await countedInstructions(directory, target.pid);
    return { main: main / measured, all: all / measured, pid: target.pid };
  } finally {
    await pool.close();
    await target.stop();
    await simulator.process.stop();
  }
}

const args = process.argv.slice(2);
const thousands = (value: number) => `${Math.round(value / 1000).toLocaleString('en')}k`;
await countRounds(args, async (root, directory) => {
  const { main, all, pid } = await count(root, args, directory);
  return { text: `instructions per ${args.includes('--stream') ? 'stream' : 'request'}: main thread ${thousands(main)}, all threads ${thousands(all)}`, pid };
});
