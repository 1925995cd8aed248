// Saturated requests per second of a data plane of one thread against one of DATA_PLANE_WORKERS threads,
// side by side: each runs with its own fake control plane against one simulator, wrk saturates them in
// alternating rounds (a, b, b, a, ...), and the median of the per-round b/a ratios is the figure, for
// requests per second and for the data plane's CPU µs per request (all its threads, from /proc). Nothing
// is pinned (the point is using more than one CPU): the data planes, the simulator and wrk share every
// CPU with whatever else the machine runs, so state the load average with the ratio.
//
//   node --import tsx bench/compare-workers.ts [--workers=2] [--rounds=6]
import { loadavg } from 'node:os';
import { sampleUsage } from './process-usage.ts';
import { runWrk } from './run-wrk.ts';
import { startGatewayTarget, startSimulator, type GatewayTarget } from './targets.ts';

const ALL_CPUS = '0-1';

function option(args: string[], name: string): string | undefined {
  return args.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
}

function median(values: number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const workers = Number(option(args, 'workers') ?? 2);
  const rounds = Number(option(args, 'rounds') ?? 6);
  const seconds = Number(option(args, 'seconds') ?? 3);
  const connections = Number(option(args, 'connections') ?? 64);
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const loadAverage = () =>
    loadavg()
      .map((value) => value.toFixed(2))
      .join(' ');
  log(`a: DATA_PLANE_WORKERS=1, b: DATA_PLANE_WORKERS=${workers}; wrk ${connections} connections, ${seconds} s rounds; load average ${loadAverage()}`);
  const simulator = await startSimulator({ ttftMs: 0, interChunkMs: 1, chunkCount: 20, responseBytes: 1024 }, ALL_CPUS);
  const sides: Record<'a' | 'b', GatewayTarget | null> = { a: null, b: null };
  try {
    sides.a = await startGatewayTarget(simulator, ALL_CPUS, [], { name: 'gateway', env: { DATA_PLANE_WORKERS: '1' } });
    sides.b = await startGatewayTarget(simulator, ALL_CPUS, [], { name: 'gateway', env: { DATA_PLANE_WORKERS: String(workers) } });
    const round = async (side: 'a' | 'b') => {
      const target = sides[side] as GatewayTarget;
      const before = sampleUsage(target.pid);
      const run = await runWrk({ request: target.request(false, undefined), connections, durationSeconds: seconds, cpu: ALL_CPUS });
      const after = sampleUsage(target.pid);
      if (run.errors > 0) throw new Error(`${run.errors} failed requests in a round of ${side}`);
      const cpuMicros = ((after.cpuSeconds - before.cpuSeconds) * 1e6) / (run.requestsPerSecond * seconds);
      return { perSecond: run.requestsPerSecond, cpuMicros };
    };
    // Unmeasured warm-up of both (JIT, connection pools).
    await round('a');
    await round('b');
    const perSecond: Record<'a' | 'b', number[]> = { a: [], b: [] };
    const cpuMicros: Record<'a' | 'b', number[]> = { a: [], b: [] };
    for (let index = 0; index < rounds; index++) {
      const order = index % 2 === 0 ? (['a', 'b'] as const) : (['b', 'a'] as const);
      for (const side of order) {
        const measured = await round(side);
        perSecond[side].push(measured.perSecond);
        cpuMicros[side].push(measured.cpuMicros);
      }
      const last = (values: Record<'a' | 'b', number[]>, side: 'a' | 'b') => values[side].at(-1) as number;
      log(
        `round ${index + 1}: a ${last(perSecond, 'a').toFixed(0)} req/s ${last(cpuMicros, 'a').toFixed(0)} CPU µs/req, b ${last(perSecond, 'b').toFixed(0)} req/s ${last(cpuMicros, 'b').toFixed(0)} CPU µs/req`,
      );
    }
    const summary = (values: Record<'a' | 'b', number[]>, unit: string) => {
      const ratios = values.b.map((value, index) => value / (values.a[index] as number));
      return `${unit}: a ${median(values.a).toFixed(0)}, b ${median(values.b).toFixed(0)}; median b/a ${median(ratios).toFixed(3)} (min ${Math.min(...ratios).toFixed(3)}, max ${Math.max(...ratios).toFixed(3)})`;
    };
    log(`median ${summary(perSecond, 'req/s')}; ${summary(cpuMicros, 'CPU µs per request')}; load average ${loadAverage()}`);
  } finally {
    await sides.a?.stop();
    await sides.b?.stop();
    await simulator.process.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`compare-workers: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
