// The 100k-key snapshot swap (measure-snapshot-swap.ts) for two data planes in alternating rounds: `a`
// (another checkout, --base) and `b` (this one), each round on a fresh data plane pinned to the same CPU.
// One swap's worst request moves with whatever else the machine runs, so a change shows only side by
// side, round after round: per round the probe's p99.9 before the swap, the worst request during it and
// the excess of one over the other, then the medians per side. With --steps, no probe: the request
// loop's half of the swap in a process of its own (swap-steps-main.ts), whose longest event-loop turn
// and longest GC pause tell what a probe would meet from the loop's own work. With --sched, a scheduler
// trace per round (sched-waits.ts): how long the request loop, and the probe's client (on the CPU of
// this harness and its fake control plane), waited for their CPUs, and behind whom, in the baseline and
// in the swap.
//
//   npm run bench:swap -- --base=/path/to/other/checkout [--rounds=3] [--keys=100000] [--steps] [--sched]
import { spawnSync } from 'node:child_process';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { median } from './alternate-rounds.ts';
import { measureSnapshotSwap, type SnapshotSwapResult } from './measure-snapshot-swap.ts';
import { feedThreadOf, formatWaits, startSchedTrace, threadsOf } from './sched-waits.ts';
import { DATA_PLANE_NODE_FLAGS } from '../data-plane/src/data-plane-settings.ts';
import { REPOSITORY_ROOT, startGatewayTarget, startSimulator } from './targets.ts';
import { option } from './command-line-option.ts';

const TARGET_CPU = 0;
const LOAD_CPU = 1;
const PROBE_RATE = 200;

const help = `Usage: npm run bench:swap -- [options]

Publishes a delta of N new API keys to a data plane (fake control plane) while a ${PROBE_RATE} req/s probe
runs, for side a and side b in alternating rounds (a b, b a, ...), each on a fresh data plane on
CPU ${TARGET_CPU}; prints per round the probe's p99.9 before the swap, the worst request during it and the
difference, and the medians per side.

Options:
  --base=DIR            the checkout of side a (its node_modules must resolve)   default this one
  --rounds=N            rounds per side                                          default 3
  --keys=N              keys the delta adds                                      default 100000
  --a-flags="..."       node flags of side a (e.g. --trace-gc)
  --b-flags="..."       node flags of side b
  --steps               the request loop's half of the swap alone, in process (swap-steps-main.ts): per
                        round its longest turn (wall ms), longest GC pause and main-thread CPU
  --timeline            per round, the probe's slowest requests in the swap's window beside the data
                        plane's event-loop gaps of 3 ms or more (with its main thread's CPU in them) and
                        GC pauses of 1 ms or more, in ms after the publish (loop-timeline.mjs; its 1 ms
                        timer adds to the loop's work)
  --sched               also trace the scheduler (perf; root): per round, the request loop's and the
                        probe client's waits for their CPUs in the baseline and in the swap, split by
                        who held it (the feed thread, the data plane's other threads; this harness with
                        its fake control plane, the simulator; other processes)
`;

const ms = (micros: number) => (micros / 1000).toFixed(1);
const loadAverage = () =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--help')) return void process.stdout.write(help);
  const [rounds, keys] = [Number(option(args, 'rounds') ?? 3), Number(option(args, 'keys') ?? 100_000)];
  const roots = { a: resolve(option(args, 'base') ?? REPOSITORY_ROOT), b: REPOSITORY_ROOT };
  const base = roots.a;
  const timeline = args.includes('--timeline') ? [`--import=${join(REPOSITORY_ROOT, 'bench/loop-timeline.mjs')}`] : [];
  const flags = (side: string) => [...timeline, ...(option(args, `${side}-flags`)?.split(' ').filter(Boolean) ?? [])];
  const log = (line: string) => process.stdout.write(`${line}\n`);
  log(`a: ${base} ${flags('a').join(' ')}\nb: ${REPOSITORY_ROOT} ${flags('b').join(' ')}\nload average ${loadAverage()}`);
  if (args.includes('--steps')) return compareSteps(roots, rounds, keys, flags, log);
  const simulator = await startSimulator({ ttftMs: 0, interChunkMs: 1, chunkCount: 20, responseBytes: 1024 }, LOAD_CPU);
  const results: Record<'a' | 'b', SnapshotSwapResult[]> = { a: [], b: [] };
  try {
    for (let round = 0; round < rounds; round++) {
      for (const side of round % 2 === 0 ? (['a', 'b'] as const) : (['b', 'a'] as const)) {
        const gateway = await startGatewayTarget(simulator, TARGET_CPU, flags(side), { name: 'gateway', root: roots[side] });
        const trace = args.includes('--sched') ? startSchedTrace(join(tmpdir(), `bench-swap-sched-${process.pid}.data`)) : null;
        try {
          const swap = await measureSnapshotSwap(gateway, simulator, keys, PROBE_RATE, LOAD_CPU);
          results[side].push(swap);
          log(
            `round ${round + 1} ${side}: baseline p99.9 ${ms(swap.probeBefore.p999)} ms, worst during the swap ${ms(swap.worstDuringSwapMicros)} ms (${ms(swap.worstDuringSwapMicros - swap.probeBefore.p999)} over; ${swap.answeredDuringSwap} requests; worst in as long a window before it ${ms(swap.worstBeforeInEqualWindowMicros)} ms), swap ${swap.swapMs.toFixed(0)} ms (signed in ${swap.publishMs.toFixed(0)} ms before the probe), data-plane CPU ${swap.dataPlaneCpuMs.toFixed(0)} ms, failed ${swap.probeFailed}; load average ${loadAverage()}`,
          );
          // With --trace-gc: the collector's pauses of 3 ms or more (the last 100).
          const pauses = gateway
            .output()
            .split('\n')
            .filter((line) => Number(/MB, ([\d.]+) \/ [\d.]+ ms/.exec(line)?.[1] ?? 0) >= 3);
          if (pauses.length > 0) log(pauses.slice(-100).join('\n'));
          if (timeline.length > 0) log(timelineOf(swap, gateway.output()));
          if (trace !== null) {
            // The request loop (the data plane's main thread) and the probe's client, which shares its CPU with this harness and its fake control plane.
            const feed = feedThreadOf(gateway.pid);
            const dataPlane = threadsOf(gateway.pid);
            const harness = threadsOf(process.pid);
            const [loop, probe] = await trace.summarise(
              [
                {
                  thread: gateway.pid,
                  cpu: TARGET_CPU,
                  groups: [
                    ['feed thread', new Set(feed === null ? [] : [feed])],
                    ['own threads', dataPlane],
                  ],
                },
                {
                  thread: swap.probePid,
                  cpu: LOAD_CPU,
                  groups: [
                    ['harness and fake control plane', harness],
                    ['simulator', threadsOf(simulator.process.pid)],
                  ],
                },
              ],
              [swap.windowsNs.baseline, swap.windowsNs.swap],
            );
            log(`  request loop, baseline: ${formatWaits(loop![0]!)}\n  request loop, swap: ${formatWaits(loop![1]!)}`);
            log(`  probe client, baseline: ${formatWaits(probe![0]!)}\n  probe client, swap: ${formatWaits(probe![1]!)}`);
          }
        } finally {
          await trace?.stop();
          await gateway.stop();
        }
      }
    }
  } finally {
    await simulator.process.stop();
  }
  for (const side of ['a', 'b'] as const) {
    const swaps = results[side];
    log(
      `${side}: median baseline p99.9 ${ms(median(swaps.map((swap) => swap.probeBefore.p999)))} ms, median worst ${ms(median(swaps.map((swap) => swap.worstDuringSwapMicros)))} ms, median excess ${ms(median(swaps.map((swap) => swap.worstDuringSwapMicros - swap.probeBefore.p999)))} ms, median worst in as long a window before ${ms(median(swaps.map((swap) => swap.worstBeforeInEqualWindowMicros)))} ms, median swap ${median(swaps.map((swap) => swap.swapMs)).toFixed(0)} ms`,
    );
  }
  log(`load average ${loadAverage()}`);
}

/**
 * The probe's slowest requests in the swap's window, with the data plane's loop gaps and GC pauses
 * (loop-timeline.mjs) during each (from 20 ms before it was due), and the window's three gaps that held
 * the most main-thread CPU, in ms after the publish.
 */
function timelineOf(swap: SnapshotSwapResult, output: string): string {
  const [publishedNs, endNs] = swap.windowsNs.swap;
  const at = (ns: number) => ((ns - publishedNs) / 1e6).toFixed(1);
  const all = output.split('\n').flatMap((line) => {
    const [, kind, from, to, cpu, steal] = /^timeline (\S+) (\d+) (\d+)(?: cpu (\d+) steal (\d+))?$/.exec(line) ?? [];
    return kind === undefined
      ? []
      : [{ kind, from: Number(from), to: Number(to), cpuNs: cpu === undefined ? null : Number(cpu), stealNs: steal === undefined ? 0 : Number(steal) }];
  });
  const within = ([from, to]: readonly [number, number]) => all.filter((event) => event.to >= from && event.from <= to);
  const events = within(swap.windowsNs.swap);
  // The main thread's CPU per second of each window (its schedstat, read every ~100 ms): what the swap adds
  // to the loop's own work, whatever the machine's load does to the probe.
  const cpuReadings = output.split('\n').flatMap((line) => {
    const [, at, cpu] = /^timeline cpu (\d+) (\d+)$/.exec(line) ?? [];
    return at === undefined ? [] : [{ at: Number(at), cpuNs: Number(cpu) }];
  });
  const cpuRate = ([from, to]: readonly [number, number]) => {
    const inside = cpuReadings.filter((reading) => reading.at >= from && reading.at <= to);
    if (inside.length < 2) return 'n/a';
    const [first, last] = [inside[0]!, inside.at(-1)!];
    return `${((last.cpuNs - first.cpuNs) / 1e6 / ((last.at - first.at) / 1e9)).toFixed(0)} ms/s`;
  };
  // The collections per second and their pauses, baseline against swap: what the swap adds to the loop's own work.
  const collections = (window: readonly [number, number]) => {
    const pauses = within(window)
      .filter((event) => event.cpuNs === null)
      .map((event) => (event.to - event.from) / 1e6);
    const seconds = (window[1] - window[0]) / 1e9;
    return `${(pauses.length / seconds).toFixed(2)}/s, ${pauses.reduce((sum, pause) => sum + pause, 0).toFixed(0)} ms in all, longest ${Math.max(0, ...pauses).toFixed(1)} ms`;
  };
  // CPU time the hypervisor took from the loop's CPU within its gaps: on this VM whole stretches of 100 ms.
  const stolen = (window: readonly [number, number]) => `${(within(window).reduce((sum, event) => sum + event.stealNs, 0) / 1e6).toFixed(0)} ms`;
  type Event = (typeof events)[number];
  // A gap names the collections within it: the loop's own work, not a wait for its core.
  const collectedIn = (gap: Event) =>
    events.filter((event) => event.cpuNs === null && event.from >= gap.from - 0.5e6 && event.to <= gap.to + 0.5e6).map((event) => event.kind);
  const describe = (event: Event) =>
    `${event.kind} at ${at(event.from)} for ${((event.to - event.from) / 1e6).toFixed(1)} ms${
      event.cpuNs === null
        ? ''
        : ` (main thread CPU ${(event.cpuNs / 1e6).toFixed(1)} ms, steal ${(event.stealNs / 1e6).toFixed(0)} ms${collectedIn(event)
            .map((kind) => `, ${kind}`)
            .join('')})`
    }`;
  const lines = [
    // The publish on CLOCK_MONOTONIC in µs, the clock of a --cpu-prof profile's timestamps, to find the swap's window in one.
    `  published at ${(publishedNs / 1000).toFixed(0)} µs monotonic; swap ends at ${at(endNs - 100e6)} ms; GC pauses of 1 ms or more: baseline ${collections(swap.windowsNs.baseline)}, swap ${collections(swap.windowsNs.swap)}; steal in the loop's gaps: baseline ${stolen(swap.windowsNs.baseline)}, swap ${stolen(swap.windowsNs.swap)}; main thread CPU: baseline ${cpuRate(swap.windowsNs.baseline)}, swap ${cpuRate(swap.windowsNs.swap)}`,
  ];
  for (const request of swap.slowestDuringSwap) {
    const during = events.filter((event) => event.to >= request.dueNs - 20e6 && event.from <= request.dueNs + request.latencyMicros * 1000);
    lines.push(`  request due at ${at(request.dueNs)}: ${ms(request.latencyMicros)} ms; ${during.map(describe).join('; ') || 'no gap or GC'}`);
  }
  const gaps = events.filter((event) => event.cpuNs !== null).sort((one, other) => other.cpuNs! - one.cpuNs!);
  lines.push(`  most CPU in one gap: ${gaps.slice(0, 3).map(describe).join('; ')}`);
  // The loop's own work apart from its collections: the swap's steps and the requests' (a gap with no collection of 1 ms or more).
  const withoutCollection = gaps.filter((gap) => collectedIn(gap).length === 0);
  lines.push(`  most CPU in one gap without a collection: ${withoutCollection.slice(0, 3).map(describe).join('; ') || 'none'}`);
  return lines.join('\n');
}

interface SwapSteps {
  longestWallMs: { apply: number; serialise: number };
  longestGcMs: number;
  applyCpuMs: number;
}

function compareSteps(roots: Record<'a' | 'b', string>, rounds: number, keys: number, flags: (side: string) => string[], log: (line: string) => void): void {
  const results: Record<'a' | 'b', SwapSteps[]> = { a: [], b: [] };
  for (let round = 0; round < rounds; round++) {
    for (const side of round % 2 === 0 ? (['a', 'b'] as const) : (['b', 'a'] as const)) {
      const args = [String(TARGET_CPU), process.execPath, ...DATA_PLANE_NODE_FLAGS, '--expose-gc', ...flags(side), '--import', 'tsx'];
      const run = spawnSync('taskset', ['-c', ...args, 'bench/swap-steps-main.ts', `--root=${roots[side]}`, `--keys=${keys}`, `--feed-cpu=${LOAD_CPU}`], {
        cwd: REPOSITORY_ROOT,
        encoding: 'utf8',
      });
      if (run.status !== 0) throw new Error(`swap-steps-main.ts failed: ${run.stderr}`);
      const steps = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as SwapSteps;
      results[side].push(steps);
      log(
        `round ${round + 1} ${side}: longest turn ${steps.longestWallMs.apply.toFixed(1)} ms applying, ${steps.longestWallMs.serialise.toFixed(1)} ms serialising, longest GC pause ${steps.longestGcMs.toFixed(1)} ms, main-thread CPU ${steps.applyCpuMs.toFixed(0)} ms; load average ${loadAverage()}`,
      );
    }
  }
  for (const side of ['a', 'b'] as const) {
    const runs = results[side];
    const longest = runs.map((steps) => Math.max(steps.longestWallMs.apply, steps.longestWallMs.serialise));
    log(
      `${side}: median longest turn ${median(longest).toFixed(1)} ms (range ${Math.min(...longest).toFixed(1)}-${Math.max(...longest).toFixed(1)}), median longest GC pause ${median(runs.map((steps) => steps.longestGcMs)).toFixed(1)} ms, median main-thread CPU ${median(runs.map((steps) => steps.applyCpuMs)).toFixed(0)} ms`,
    );
  }
  log(`load average ${loadAverage()}`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:swap: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
