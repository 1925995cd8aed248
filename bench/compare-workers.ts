// Saturated requests per second of a data plane of one thread against one of DATA_PLANE_WORKERS threads,
// side by side: each runs with its own fake control plane against one simulator, wrk saturates them in
// alternating rounds (a, b, b, a, ...), and the median of the per-round ratios to a is the figure, for
// requests per second and for the data plane's CPU µs per request (all its threads, from /proc), with
// its main thread's share beside it (the thread that owns the in-process stores when there is no Redis).
// --redis=URL adds the same two on Redis (c: one thread, d: N workers), each side under its own key
// prefix, deleted afterwards. Nothing is pinned (the point is using more than one CPU): the data planes,
// the simulator and wrk share every CPU with whatever else the machine runs, so state the load average
// with the ratios. Beside CPU per request: the kernel's share of it (system time) and the context switches
// per request of all its threads, where a thread that wakes for less work per turn shows. --rate=R sends
// an open-loop R requests a second instead of saturating (the same work for every side, so the CPU per
// request compares what a request costs rather than how much each turn of a loop batches). --profile=DIR
// runs every side with --cpu-prof (one profile per thread) into DIR/<side>.
//
//   node --import tsx bench/compare-workers.ts [--workers=2] [--rounds=6] [--seconds=3] [--connections=64]
//                                              [--rate=R] [--redis=redis://127.0.0.1:6379] [--profile=DIR]
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { median } from './alternate-rounds.ts';
import { cpuNanoseconds } from './process-usage.ts';
import { runOpenLoopClient } from './run-load-client.ts';
import { runWrk } from './run-wrk.ts';
import { startGatewayTarget, startSimulator, type GatewayTarget } from './targets.ts';
import { option } from './command-line-option.ts';

const ALL_CPUS = '0-1';

type Side = 'a' | 'b' | 'c' | 'd';

interface Measured {
  perSecond: number;
  cpuMicros: number;
  mainMicros: number;
  /** System time's share of the CPU time (0..1). */
  systemShare: number;
  switchesPerRequest: number;
}

/** User and system clock ticks and context switches (voluntary and not) of every thread of `pid`. */
function threadCounters(pid: number): { user: number; system: number; switches: number } {
  const total = { user: 0, system: 0, switches: 0 };
  for (const thread of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${thread}/stat`, 'latin1');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total.user += Number(fields[11]);
      total.system += Number(fields[12]);
      const status = readFileSync(`/proc/${pid}/task/${thread}/status`, 'latin1');
      for (const match of status.matchAll(/^(?:non)?voluntary_ctxt_switches:\s+(\d+)/gm)) total.switches += Number(match[1]);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return total;
}

/** Run time of the process's main thread (the thread whose id is the process id), in nanoseconds. */
function mainThreadNanoseconds(pid: number): number {
  return Number(readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'latin1').split(' ')[0]);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--help')) {
    process.stdout.write(`${readFileSync(new URL(import.meta.url), 'utf8').split('\nimport ')[0]}\n`);
    return;
  }
  const workers = Number(option(args, 'workers') ?? 2);
  const rounds = Number(option(args, 'rounds') ?? 6);
  const seconds = Number(option(args, 'seconds') ?? 3);
  const connections = Number(option(args, 'connections') ?? 64);
  const rateOption = option(args, 'rate');
  const rate = rateOption === undefined ? undefined : Number(rateOption);
  const redisUrl = option(args, 'redis');
  const profileDirectory = option(args, 'profile');
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const loadAverage = () =>
    loadavg()
      .map((value) => value.toFixed(2))
      .join(' ');
  const keyPrefix = (side: Side) => `bench:compare-workers:${randomUUID()}:${side}:`;
  const settings: Record<Side, NodeJS.ProcessEnv> = {
    a: { DATA_PLANE_WORKERS: '1' },
    b: { DATA_PLANE_WORKERS: String(workers) },
    c: { DATA_PLANE_WORKERS: '1', REDIS_URL: redisUrl, SPEND_KEY_PREFIX: keyPrefix('c') },
    d: { DATA_PLANE_WORKERS: String(workers), REDIS_URL: redisUrl, SPEND_KEY_PREFIX: keyPrefix('d') },
  };
  const names: Side[] = redisUrl === undefined ? ['a', 'b'] : ['a', 'b', 'c', 'd'];
  const describe = (side: Side) => `${side}: DATA_PLANE_WORKERS=${settings[side].DATA_PLANE_WORKERS}${settings[side].REDIS_URL ? ' on Redis' : ''}`;
  const load = rate === undefined ? `wrk ${connections} connections` : `open loop ${rate} req/s`;
  log(`${names.map(describe).join(', ')}; ${load}, ${seconds} s rounds; load average ${loadAverage()}`);
  const simulator = await startSimulator({ ttftMs: 0, interChunkMs: 1, chunkCount: 20, responseBytes: 1024 }, ALL_CPUS);
  const sides: Partial<Record<Side, GatewayTarget>> = {};
  try {
    for (const side of names) {
      const flags = profileDirectory === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${join(profileDirectory, side)}`];
      sides[side] = await startGatewayTarget(simulator, ALL_CPUS, flags, { name: 'gateway', env: settings[side] });
    }
    const round = async (side: Side): Promise<Measured> => {
      const target = sides[side] as GatewayTarget;
      const request = target.request(false, undefined);
      const before = { all: cpuNanoseconds(target.pid), main: mainThreadNanoseconds(target.pid), threads: threadCounters(target.pid) };
      let requests: number;
      if (rate === undefined) {
        const run = await runWrk({ request, connections, durationSeconds: seconds, cpu: ALL_CPUS });
        if (run.errors > 0) throw new Error(`${run.errors} failed requests in a round of ${side}`);
        requests = run.requestsPerSecond * seconds;
      } else {
        const plan = { request, ratePerSecond: rate, durationMs: seconds * 1000, warmupMs: 0, maxConnections: 512, drainTimeoutMs: 5_000 };
        const run = await runOpenLoopClient(plan, 0);
        if (run.failed > 0) throw new Error(`${run.failed} failed requests in a round of ${side}`);
        requests = run.recorded + run.unanswered;
      }
      const after = { all: cpuNanoseconds(target.pid), main: mainThreadNanoseconds(target.pid), threads: threadCounters(target.pid) };
      const user = after.threads.user - before.threads.user;
      const system = after.threads.system - before.threads.system;
      return {
        perSecond: requests / seconds,
        cpuMicros: (after.all - before.all) / 1000 / requests,
        mainMicros: (after.main - before.main) / 1000 / requests,
        systemShare: user + system > 0 ? system / (user + system) : 0,
        switchesPerRequest: (after.threads.switches - before.threads.switches) / requests,
      };
    };
    // Unmeasured warm-up of each (JIT, connection pools).
    for (const side of names) await round(side);
    const measured: Record<Side, Measured[]> = { a: [], b: [], c: [], d: [] };
    for (let index = 0; index < rounds; index++) {
      // Forward, then backward: no side always runs right after the same other one.
      const order = index % 2 === 0 ? names : names.toReversed();
      for (const side of order) measured[side].push(await round(side));
      const line = names.map((side) => {
        const last = measured[side].at(-1) as Measured;
        return `${side} ${last.perSecond.toFixed(0)} req/s ${last.cpuMicros.toFixed(0)} CPU µs/req (main thread ${last.mainMicros.toFixed(0)}, system ${(100 * last.systemShare).toFixed(0)} %, ${last.switchesPerRequest.toFixed(1)} switches/req)`;
      });
      log(`round ${index + 1}: ${line.join(', ')}`);
    }
    const ratio = (side: Side, base: Side, field: keyof Measured) => {
      const ratios = measured[side].map((value, index) => value[field] / (measured[base][index] as Measured)[field]);
      return `${median(ratios).toFixed(3)} (${Math.min(...ratios).toFixed(3)}-${Math.max(...ratios).toFixed(3)})`;
    };
    const medianOf = (side: Side, field: keyof Measured, digits = 0) => median(measured[side].map((value) => value[field])).toFixed(digits);
    for (const side of names) {
      log(
        `median ${side}: ${medianOf(side, 'perSecond')} req/s, ${medianOf(side, 'cpuMicros')} CPU µs/req, main thread ${medianOf(side, 'mainMicros')} µs/req, system share ${medianOf(side, 'systemShare', 2)}, ${medianOf(side, 'switchesPerRequest', 1)} context switches/req`,
      );
    }
    const pairs: Array<[Side, Side]> =
      redisUrl === undefined
        ? [['b', 'a']]
        : [
            ['b', 'a'],
            ['c', 'a'],
            ['d', 'a'],
            ['d', 'c'],
          ];
    for (const [side, base] of pairs) log(`${side}/${base}: req/s ${ratio(side, base, 'perSecond')}, CPU µs/req ${ratio(side, base, 'cpuMicros')}`);
    log(`load average ${loadAverage()}`);
  } finally {
    for (const side of names) await sides[side]?.stop();
    await simulator.process.stop();
    if (redisUrl !== undefined) {
      const client = new Redis(redisUrl);
      try {
        for (const side of ['c', 'd'] as const) {
          const keys = await client.keys(`${settings[side].SPEND_KEY_PREFIX}*`);
          if (keys.length > 0) await client.del(...keys);
        }
      } finally {
        client.disconnect();
      }
    }
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`compare-workers: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
