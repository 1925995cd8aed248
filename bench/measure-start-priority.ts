// gateway-start (npm start as the bench runs it: its control plane on CPU 1 with the load client and
// the simulator, its data plane moved to CPU 0) with the control plane's threads at different nice
// values, next to direct and nginx. Open-loop runs against one npm start (per rate, --cycles
// times: direct, nginx, then gateway-start for --seconds), the harness
// setting the nice value of every thread of npm start's control plane process in turn every --phase-ms
// (as root it can lower it again), each request counted for the value in force when it was due: both
// sides see the same process, database and spool, and whatever else the machine runs in the same
// minute. Per side: the overhead ladder over direct and over nginx's (each measured alone just before,
// same rate), how much of the slowest 1 % of requests' time the control plane was on a CPU (its CPU
// time sampled every 20 ms, /proc/<pid>/task/<tid>/schedstat), and who waited for a core (run-queue
// waits of the main threads of the load client, the simulator, the data plane and the control plane,
// per second of the run, and per 250 ms window with the control plane busy or idle).
//
//   taskset -c 1 node --import tsx bench/measure-start-priority.ts [--cycles=3] [--seconds=30] [--reference-seconds=10] [--phase-ms=2000] [--rates=2000,500] [--nice=0,10] [--dump=FILE]
import { appendFileSync, readdirSync, readFileSync } from 'node:fs';
import { loadavg, setPriority } from 'node:os';
import { LADDER_STEPS, latencyLadder, type LadderStep, type LatencyLadder } from './latency-stats.ts';
import { parentOf } from './process-usage.ts';
import { startOpenLoopClient } from './run-load-client.ts';
import { directTarget, startGatewayStartTarget, startNginx, startSimulator, type Target } from './targets.ts';

const TARGET_CPU = 0;
const LOAD_CPU = 1;
/** run-bench.ts's simulator. */
const SIMULATOR = { ttftMs: 0, interChunkMs: 1, chunkCount: 20, responseBytes: 1024 };
const SAMPLE_MS = 20;

const option = (name: string, fallback: string) => process.argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
/** Per cycle; a client's result is one stdout line, which the harness keeps whole up to 4 MB (about a minute at 2,000/s). */
const seconds = Number(option('seconds', '30'));
const cycles = Number(option('cycles', '3'));
const referenceSeconds = Number(option('reference-seconds', '10'));
const phaseMs = Number(option('phase-ms', '2000'));
const rates = option('rates', '2000,500').split(',').map(Number);
const niceValues = option('nice', '0,10').split(',').map(Number);
/** A file to append each run's raw data to (one JSON line per run: requests, samples, nice switches). */
const dump = option('dump', '');

function threads(pid: number): string[] {
  try {
    return readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
}

/**
 * From /proc/<pid>/task/<tid>/schedstat: the ns every thread of `pid` was on a CPU, summed, and the ns its
 * main thread (the event loop) waited on a run queue (the other threads' waits are mostly for each other).
 */
function schedstat(pid: number): [number, number] {
  let running = 0;
  let waiting = 0;
  for (const thread of threads(pid)) {
    try {
      const [run, wait] = readFileSync(`/proc/${pid}/task/${thread}/schedstat`, 'latin1').split(' ');
      running += Number(run);
      if (Number(thread) === pid) waiting = Number(wait);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return [running, waiting];
}

function setNice(pid: number, nice: number): void {
  for (const thread of threads(pid)) setPriority(Number(thread), nice);
}

/** One sample every SAMPLE_MS: the time, and per watched process its [CPU ns, run-queue wait ns]. */
interface Sample {
  ns: bigint;
  stats: Record<string, [number, number]>;
}

interface Side {
  side: string;
  rate: number;
  ladder: LatencyLadder;
  /** µs, for pooling runs. */
  latencies: number[];
  loads: number[];
  /** ms per second of the side's time, per watched process: on a CPU, and waiting for one. */
  cpuMsPerSecond: Record<string, number>;
  waitMsPerSecond: Record<string, number>;
  /** Share of the time the control plane was on a CPU while the slowest 1 % of requests were in flight, and while any was. */
  busyDuringSlowest: number;
  busyDuringAll: number;
  /**
   * 250 ms windows within one side's turn, split by the control plane's CPU in them (busy: over 20 % of
   * the window; idle: under 4 %): per kind, how many, and the mean run-queue wait of the load client's
   * and the simulator's main threads in one (ms), the control plane's share of CPU 1's clients.
   */
  windows: Record<'busy' | 'idle', { count: number; clientWaitMs: number; simulatorWaitMs: number }>;
}

const WINDOW_NS = 250_000_000n;

/**
 * One open-loop run of `durationSeconds` at `rate`; with `phases`, the control plane's nice value is
 * switched among them every phaseMs and each request is counted for the value in force when it was due.
 */
async function measure(
  name: string,
  target: Target,
  rate: number,
  durationSeconds: number,
  watched: Record<string, number>,
  phases: number[] | null,
): Promise<Side[]> {
  const controlPlane = watched['control plane'] as number;
  const samples: Sample[] = [];
  const switches: Array<{ ns: bigint; nice: number }> = [];
  const client = startOpenLoopClient(
    { request: target.request(false), ratePerSecond: rate, durationMs: durationSeconds * 1000, warmupMs: 500, maxConnections: 512, drainTimeoutMs: 5_000 },
    LOAD_CPU,
  );
  await client.started;
  const all = { ...watched, 'load client': client.pid };
  const sample = () => samples.push({ ns: process.hrtime.bigint(), stats: Object.fromEntries(Object.entries(all).map(([key, pid]) => [key, schedstat(pid)])) });
  const next = (index: number) => {
    if (phases === null) return;
    const nice = phases[index % phases.length] as number;
    setNice(controlPlane, nice);
    switches.push({ ns: process.hrtime.bigint(), nice });
  };
  let phase = 0;
  next(phase);
  const sampler = setInterval(sample, SAMPLE_MS);
  const switcher = setInterval(() => next((phase += 1)), phaseMs);
  const loads: Array<{ ns: bigint; load: number }> = [];
  const loadTimer = setInterval(() => loads.push({ ns: process.hrtime.bigint(), load: loadavg()[0] as number }), 1000);
  const result = await client.result;
  clearInterval(sampler);
  clearInterval(switcher);
  clearInterval(loadTimer);
  if (dump !== '') {
    const raw = { name, rate, recordStartNs: result.recordStartNs, due: result.dueMicros, latency: result.latencyMicros, samples, switches };
    appendFileSync(dump, `${JSON.stringify(raw, (_, value: unknown) => (typeof value === 'bigint' ? String(value) : value))}\n`);
  }

  const recordStart = BigInt(result.recordStartNs);
  const recordEnd = recordStart + BigInt(durationSeconds * 1e9);
  const sideOf = (ns: bigint): string => {
    if (phases === null) return name;
    let nice = switches[0]?.nice as number;
    for (const change of switches) if (change.ns <= ns) nice = change.nice;
    return `nice ${nice}`;
  };
  // A process's CPU or wait ns at `ns`, interpolated between samples.
  const statAt = (key: string, field: 0 | 1, ns: bigint): number => {
    // The first sample at or after `ns` (binary search), at least the second.
    let [low, high] = [1, samples.length - 1];
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((samples[middle] as Sample).ns >= ns) high = middle;
      else low = middle + 1;
    }
    const index = low;
    const [a, b] = [samples[index - 1] as Sample, samples[index] as Sample];
    const [from, to] = [(a.stats[key] as [number, number])[field], (b.stats[key] as [number, number])[field]];
    return from + ((to - from) * Number(ns - a.ns)) / (Number(b.ns - a.ns) || 1);
  };
  const sides = phases === null ? [name] : [...new Set(phases.map((nice) => `nice ${nice}`))];
  return sides.map((side) => {
    const requests = result.dueMicros
      .map((_, index) => index)
      .filter((index) => sideOf(recordStart + BigInt(Math.round((result.dueMicros[index] as number) * 1000))) === side);
    const latencies = requests.map((index) => result.latencyMicros[index] as number);
    const busy = (indices: number[]) => {
      let cpu = 0;
      let wall = 0;
      for (const index of indices) {
        const due = recordStart + BigInt(Math.round((result.dueMicros[index] as number) * 1000));
        const end = due + BigInt(Math.round((result.latencyMicros[index] as number) * 1000));
        cpu += statAt('control plane', 0, end) - statAt('control plane', 0, due);
        wall += Number(end - due);
      }
      return wall > 0 ? cpu / wall : 0;
    };
    const slowest = [...requests]
      .sort((left, right) => (result.latencyMicros[right] as number) - (result.latencyMicros[left] as number))
      .slice(0, Math.ceil(requests.length / 100));
    // The side's share of the measured window, sample interval by sample interval.
    const cpuMsPerSecond: Record<string, number> = {};
    const waitMsPerSecond: Record<string, number> = {};
    let sideNs = 0;
    for (let index = 1; index < samples.length; index += 1) {
      const [a, b] = [samples[index - 1] as Sample, samples[index] as Sample];
      if (a.ns < recordStart || b.ns > recordEnd || sideOf(a.ns) !== side || sideOf(b.ns) !== side) continue;
      sideNs += Number(b.ns - a.ns);
      for (const key of Object.keys(all)) {
        cpuMsPerSecond[key] = (cpuMsPerSecond[key] ?? 0) + ((b.stats[key] as [number, number])[0] - (a.stats[key] as [number, number])[0]);
        waitMsPerSecond[key] = (waitMsPerSecond[key] ?? 0) + ((b.stats[key] as [number, number])[1] - (a.stats[key] as [number, number])[1]);
      }
    }
    for (const key of Object.keys(all)) {
      cpuMsPerSecond[key] = (cpuMsPerSecond[key] ?? 0) / 1e6 / (sideNs / 1e9);
      waitMsPerSecond[key] = (waitMsPerSecond[key] ?? 0) / 1e6 / (sideNs / 1e9);
    }
    const windows: Side['windows'] = { busy: { count: 0, clientWaitMs: 0, simulatorWaitMs: 0 }, idle: { count: 0, clientWaitMs: 0, simulatorWaitMs: 0 } };
    for (let from = recordStart; from + WINDOW_NS <= recordEnd; from += WINDOW_NS) {
      const to = from + WINDOW_NS;
      if (sideOf(from) !== side || sideOf(to) !== side) continue;
      const delta = (key: string, field: 0 | 1) => (statAt(key, field, to) - statAt(key, field, from)) / 1e6;
      const share = delta('control plane', 0) / (Number(WINDOW_NS) / 1e6);
      const kind = share > 0.2 ? windows.busy : share < 0.04 ? windows.idle : null;
      if (kind === null) continue;
      kind.count += 1;
      kind.clientWaitMs += delta('load client', 1);
      kind.simulatorWaitMs += delta('simulator', 1);
    }
    for (const kind of Object.values(windows)) {
      kind.clientWaitMs /= kind.count || 1;
      kind.simulatorWaitMs /= kind.count || 1;
    }
    return {
      side,
      rate,
      windows,
      ladder: latencyLadder(latencies),
      latencies,
      loads: loads.map((entry) => entry.load),
      cpuMsPerSecond,
      waitMsPerSecond,
      busyDuringSlowest: busy(slowest),
      busyDuringAll: busy(requests),
    };
  });
}

/** Until the control plane has ingested what the last run left it (under 5 % of a CPU for 500 ms; 20 s at most): direct and nginx are measured without it. */
async function untilIdle(pid: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const before = schedstat(pid)[0];
    await new Promise((resolve) => setTimeout(resolve, 500));
    if (schedstat(pid)[0] - before < 25e6 || Date.now() > deadline) return;
  }
}

/** Windows of several runs together: their counts summed, their waits weighted by them. */
function pooledWindows(kinds: Array<Side['windows']['busy']>): Side['windows']['busy'] {
  const count = kinds.reduce((sum, kind) => sum + kind.count, 0);
  const weighted = (pick: (kind: Side['windows']['busy']) => number) => kinds.reduce((sum, kind) => sum + pick(kind) * kind.count, 0) / (count || 1);
  return { count, clientWaitMs: weighted((kind) => kind.clientWaitMs), simulatorWaitMs: weighted((kind) => kind.simulatorWaitMs) };
}

const describe = (kind: Side['windows']['busy']) =>
  `${kind.count}, in each the load client waited ${kind.clientWaitMs.toFixed(1)} ms and the simulator ${kind.simulatorWaitMs.toFixed(1)} ms`;

const format = (micros: number) => Math.round(micros).toLocaleString('en-US');
const perSecond = (values: Record<string, number>) =>
  Object.entries(values)
    .map(([name, ms]) => `${name} ${ms.toFixed(0)}`)
    .join(', ');

async function main(): Promise<void> {
  const log = (line: string) => process.stdout.write(`${line}\n`);
  log(
    `gateway-start, control plane at nice ${niceValues.join(' / ')} in turns of ${phaseMs} ms, ${seconds} s per rate (${rates.join(', ')} req/s); direct and nginx ${referenceSeconds} s; load ${loadavg()
      .map((value) => value.toFixed(2))
      .join(' ')}`,
  );
  const simulator = await startSimulator(SIMULATOR, LOAD_CPU);
  const direct = directTarget(simulator);
  const nginx = await startNginx(simulator, TARGET_CPU);
  const start = await startGatewayStartTarget(simulator, TARGET_CPU, LOAD_CPU);
  const watched = { simulator: simulator.process.pid, 'data plane': start.pid, 'control plane': parentOf(start.pid) as number };
  const table: string[] = [];
  try {
    // Unrecorded: JIT warm-up, connection pools, the database's first ingests.
    for (const target of [nginx, start]) await measure('warm-up', target, 2000, 3, watched, null);
    for (const rate of rates) {
      const runs: Side[][] = [];
      for (let cycle = 0; cycle < cycles; cycle += 1) {
        await untilIdle(watched['control plane']);
        runs.push(await measure('direct', direct, rate, referenceSeconds, watched, null));
        runs.push(await measure('nginx', nginx, rate, referenceSeconds, watched, null));
        runs.push(await measure('gateway-start', start, rate, seconds, watched, niceValues));
      }
      const pooled = (side: string): Side => {
        const parts = runs.flat().filter((part) => part.side === side);
        const mean = (pick: (part: Side) => Record<string, number>) => {
          const keys = Object.keys(pick(parts[0] as Side));
          return Object.fromEntries(keys.map((key) => [key, parts.reduce((sum, part) => sum + (pick(part)[key] ?? 0), 0) / parts.length]));
        };
        return {
          side,
          rate,
          ladder: latencyLadder(parts.flatMap((part) => part.latencies)),
          latencies: [],
          loads: parts.flatMap((part) => part.loads),
          cpuMsPerSecond: mean((part) => part.cpuMsPerSecond),
          waitMsPerSecond: mean((part) => part.waitMsPerSecond),
          busyDuringSlowest: parts.reduce((sum, part) => sum + part.busyDuringSlowest, 0) / parts.length,
          busyDuringAll: parts.reduce((sum, part) => sum + part.busyDuringAll, 0) / parts.length,
          windows: {
            busy: pooledWindows(parts.map((part) => part.windows.busy)),
            idle: pooledWindows(parts.map((part) => part.windows.idle)),
          },
        };
      };
      const base = pooled('direct');
      const nginxSide = pooled('nginx');
      table.push(
        `| ${rate}/s | p50 | p99 | p99.9 | overhead p50 | p99 | p99.9 | × nginx p50 | p99 | requests | load |`,
        '|---|---|---|---|---|---|---|---|---|---|---|',
      );
      for (const side of [base, nginxSide, ...niceValues.map((nice) => pooled(`nice ${nice}`))]) {
        const over = (step: LadderStep, ladder = side.ladder) => ladder[step] - base.ladder[step];
        const steps = Object.fromEntries(LADDER_STEPS.map((step) => [step, over(step)]));
        table.push(
          `| ${side.side} | ${format(side.ladder.p50)} | ${format(side.ladder.p99)} | ${format(side.ladder.p999)} | +${format(steps.p50!)} | +${format(steps.p99!)} | +${format(steps.p999!)} | ${(over('p50') / over('p50', nginxSide.ladder)).toFixed(1)}× | ${(over('p99') / over('p99', nginxSide.ladder)).toFixed(1)}× | ${side.ladder.count} | ${Math.min(...side.loads).toFixed(1)}-${Math.max(...side.loads).toFixed(1)} |`,
        );
        log(
          `${rate}/s ${side.side}: control plane on a CPU ${(100 * side.busyDuringSlowest).toFixed(0)} % of the slowest 1 %'s time (${(100 * side.busyDuringAll).toFixed(0)} % of all requests'); ms per s on a CPU: ${perSecond(side.cpuMsPerSecond)}; main thread waiting for one: ${perSecond(side.waitMsPerSecond)}; 250 ms windows with the control plane busy: ${describe(side.windows.busy)}, idle: ${describe(side.windows.idle)}`,
        );
      }
    }
  } finally {
    await start.stop();
    await nginx.stop();
    await simulator.process.stop();
  }
  log(`\n(µs; overhead = side − direct at the same percentile; × = over nginx's overhead)\n${table.join('\n')}`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
