// Where a scavenge's pause goes beyond copying: the data plane (the
// gateway target, pinned like bench:compare) under an open loop at a fixed rate, with bench/loop-timeline.mjs
// preloaded (each collection's start and end on CLOCK_MONOTONIC) and `perf record -k mono` counting every
// minor page fault of its main thread and V8's page mappings (mmap, munmap, mprotect, madvise) on the same
// clock, so each scavenge gets the faults taken inside it (perf needs root or perf_event_paranoid ≤ 1). With
// --profile, perf also samples the main thread's CPU with call chains (perf report -i FILE).
//
//   node --import tsx bench/measure-scavenge-faults.ts [--root=DIR] [--rate=500] [--seconds=8] [--flags="..."] [--dump=FILE] [--profile=FILE]
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { quantile } from './alternate-rounds.ts';
import { runOpenLoopClient, steadyOpenLoop } from './run-load-client.ts';
import { REPOSITORY_ROOT, startGatewayTarget, startSimulator } from './targets.ts';
import { option } from './command-line-option.ts';

const TARGET_CPU = 0;
const LOAD_CPU = 1;
const MAPPING_CALLS = ['mmap', 'munmap', 'mprotect', 'madvise'];

interface Event {
  tid: number;
  atNs: number;
  name: string;
}

/** `perf script -F tid,time,event` lines: `  1234 5678.901234567: minor-faults:` (nanosecond times with --ns). */
function perfEvents(text: string): Event[] {
  const events: Event[] = [];
  for (const line of text.split('\n')) {
    const match = /^\s*(\d+)\s+(\d+)\.(\d{9}):\s+(?:\d+\s+)?([\w:-]+)(?:\/[\w=]+\/)?:/.exec(line);
    if (match === null) continue;
    events.push({ tid: Number(match[1]), atNs: Number(match[2]) * 1e9 + Number(match[3]), name: match[4]!.replace('syscalls:sys_enter_', '') });
  }
  return events;
}

interface Collection {
  kind: string;
  startNs: number;
  endNs: number;
}

interface Gap {
  startNs: number;
  endNs: number;
  cpuNs: number;
  stealNs: number;
}

/** loop-timeline's gaps: a stretch of 3 ms or more between two turns, with the main thread's CPU and the CPU's steal in it. */
function gaps(text: string): Gap[] {
  const found: Gap[] = [];
  for (const line of text.split('\n')) {
    const match = /^timeline gap (\d+) (\d+) cpu (-?\d+) steal (-?\d+)$/.exec(line);
    if (match !== null) found.push({ startNs: Number(match[1]), endNs: Number(match[2]), cpuNs: Number(match[3]), stealNs: Number(match[4]) });
  }
  return found;
}

function collections(text: string): Collection[] {
  const found: Collection[] = [];
  for (const line of text.split('\n')) {
    const match = /^timeline (scavenge|mark-compact|incremental|weak-callbacks|gc) (\d+) (\d+)$/.exec(line);
    if (match !== null) found.push({ kind: match[1]!, startNs: Number(match[2]), endNs: Number(match[3]) });
  }
  return found;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const root = resolve(option(args, 'root') ?? REPOSITORY_ROOT);
  const rate = Number(option(args, 'rate') ?? 500);
  const seconds = Number(option(args, 'seconds') ?? 8);
  const extra = option(args, 'flags')?.split(' ').filter(Boolean) ?? [];
  const flags = [`--import=${join(REPOSITORY_ROOT, 'bench/loop-timeline.mjs')}`, ...extra];
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const load = () =>
    loadavg()
      .map((value) => value.toFixed(2))
      .join(' ');
  log(`root ${root} flags ${extra.join(' ')} rate ${rate}/s ${seconds} s; load average ${load()}`);
  const directory = await mkdtemp(join(tmpdir(), 'scavenge-faults-'));
  const simulator = await startSimulator({ ttftMs: 0, interChunkMs: 1, chunkCount: 20, responseBytes: 1024 }, LOAD_CPU);
  const target = await startGatewayTarget(simulator, TARGET_CPU, flags, { name: 'gateway', root, env: { LOG_LEVEL: 'warn' } });
  try {
    const plan = (durationMs: number) => steadyOpenLoop(target.request(false), rate, durationMs);
    await runOpenLoopClient(plan(3_000), LOAD_CPU);
    const before = target.output().length;
    const record = join(directory, 'perf.data');
    // With --profile=FILE, also the main thread's CPU samples with their call chains (perf report -i FILE).
    const profile = option(args, 'profile');
    const events = ['minor-faults/period=1/', ...MAPPING_CALLS.map((call) => `syscalls:sys_enter_${call}`)];
    if (profile !== undefined) events.push('cpu-clock/freq=4999/');
    const output = profile ?? record;
    const perf = spawn(
      'perf',
      [
        'record',
        '-q',
        '-k',
        'mono',
        ...(profile === undefined ? [] : ['-g']),
        ...events.flatMap((event) => ['-e', event]),
        '-p',
        String(target.pid),
        '-o',
        output,
      ],
      {
        stdio: 'ignore',
      },
    );
    const exited = once(perf, 'exit');
    await new Promise((resolve) => setTimeout(resolve, 500));
    if (perf.exitCode !== null) throw new Error(`perf record exited (${perf.exitCode})`);
    const result = await runOpenLoopClient(plan(seconds * 1000), LOAD_CPU);
    perf.kill('SIGINT');
    await exited;
    const { stdout } = await promisify(execFile)('perf', ['script', '-i', output, '--ns', '-F', 'tid,time,event'], { maxBuffer: 512 * 1024 * 1024 });
    const all = perfEvents(stdout).filter((event) => event.tid === target.pid);
    const faults = all.filter((event) => event.name === 'minor-faults');
    const mappings = all.filter((event) => MAPPING_CALLS.includes(event.name));
    const firstNs = all[0]?.atNs ?? 0;
    const lastNs = all.at(-1)?.atNs ?? 0;
    const window = collections(target.output().slice(before)).filter((gc) => gc.startNs >= firstNs && gc.endNs <= lastNs);
    const dump = option(args, 'dump');
    if (dump !== undefined) await writeFile(dump, `${target.output().slice(before)}\n${stdout}`);
    const loopGaps = gaps(target.output().slice(before));
    const gapAround = (gc: Collection) => loopGaps.find((gap) => gap.startNs <= gc.startNs && gap.endNs >= gc.endNs);
    const inside = (gc: Collection, list: Event[]) => list.filter((event) => event.atNs >= gc.startNs && event.atNs <= gc.endNs);
    const spanS = (lastNs - firstNs) / 1e9;
    const requests = result.recorded + result.failed + result.unanswered;
    log(`requests ${requests} over ${spanS.toFixed(1)} s; main thread: ${faults.length} minor faults (${(faults.length / requests).toFixed(2)} a request)`);
    for (const kind of ['scavenge', 'mark-compact', 'incremental']) {
      const found = window.filter((gc) => gc.kind === kind);
      if (found.length === 0) continue;
      const pauses = found.map((gc) => (gc.endNs - gc.startNs) / 1e6);
      const counts = found.map((gc) => inside(gc, faults).length);
      const faultsIn = counts.reduce((sum, count) => sum + count, 0);
      log(
        `${kind}: ${found.length} of 1 ms or more (${(found.length / spanS).toFixed(1)}/s); pause ms p50 ${quantile(pauses, 0.5).toFixed(2)} max ${Math.max(...pauses).toFixed(2)}; ` +
          `faults in each p50 ${quantile(counts, 0.5)} max ${Math.max(...counts)}; ${faultsIn} of the ${faults.length} faults (${((100 * faultsIn) / faults.length).toFixed(0)} %)`,
      );
      for (const gc of found.slice(0, 12)) {
        const calls = MAPPING_CALLS.map((call) => `${call} ${inside(gc, mappings).filter((event) => event.name === call).length}`).join(' ');
        const gap = gapAround(gc);
        const around =
          gap === undefined
            ? 'no gap'
            : `in a ${((gap.endNs - gap.startNs) / 1e6).toFixed(1)} ms gap with ${(gap.cpuNs / 1e6).toFixed(1)} ms CPU, ${(gap.stealNs / 1e6).toFixed(0)} ms steal`;
        log(`  ${((gc.endNs - gc.startNs) / 1e6).toFixed(2)} ms, ${inside(gc, faults).length} faults, ${calls}; ${around}`);
      }
    }
    log(
      `mapping calls a second: ${MAPPING_CALLS.map((call) => `${call} ${(mappings.filter((event) => event.name === call).length / spanS).toFixed(1)}`).join(' ')}`,
    );
    const latency = [...result.latencyMicros].sort((left, right) => left - right);
    log(
      `latency µs p50 ${quantile(latency, 0.5).toFixed(0)} p99 ${quantile(latency, 0.99).toFixed(0)} p99.9 ${quantile(latency, 0.999).toFixed(0)}; load average ${load()}`,
    );
  } finally {
    await target.stop();
    await simulator.process.stop();
    await rm(directory, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`measure-scavenge-faults: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
