// Two data planes measured round by round under one load: the CPU µs per request of each side per round
// from /proc, the medians and the median of the per-round b/a ratios. alternateRounds runs the sides one
// after the other (a b, b a, ...): bench:compare (two checkouts, or two settings of one). pairedRounds
// sends both the same open-loop rate at the same time, so whatever else the machine runs during a round
// weighs on both alike, and reads their CPU time in nanoseconds: the bench's observability cost (the
// same data plane with its access log and metrics off and on), and bench:compare --paired. A few
// percent shows here when one run of the full bench cannot tell it from the noise of other processes.
// Alternating rounds also keep each round's latency ladder (wrk's, or the open loop's: time to first
// byte for streams), so a change to what a request waits for is compared the same way.
import { cpuMicrosPerRequest, latencyLadder, type LatencyLadder } from './latency-stats.ts';
import { cpuNanoseconds, cpuPercent, sampleUsage } from './process-usage.ts';
import { runOpenLoopClient } from './run-load-client.ts';
import { runWrk } from './run-wrk.ts';
import type { GatewayTarget, PromptShape } from './targets.ts';

export interface RoundLoad {
  stream: boolean;
  promptBytes: number | undefined;
  promptShape?: PromptShape;
  connections: number;
  /** Open loop at this rate instead of wrk's saturation: both sides batch alike whatever else the machine runs. */
  rate: number | undefined;
  seconds: number;
  /** The CPU wrk or the open-loop client runs on. */
  loadCpu: number;
}

export interface AlternatingRounds {
  /** CPU µs per request of each round. */
  a: number[];
  b: number[];
  medianA: number;
  medianB: number;
  /** Median of the per-round b/a ratios, their quartiles and their range. */
  medianRatio: number;
  lowerQuartileRatio: number;
  upperQuartileRatio: number;
  minRatio: number;
  maxRatio: number;
  /** alternateRounds only: each round's latency ladder (µs) per side. */
  latency?: Record<'a' | 'b', LatencyLadder[]>;
}

/** The q-quantile (0..1) of `values`, interpolated between the two nearest ranks. */
export function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((left, right) => left - right);
  const position = (sorted.length - 1) * q;
  const below = sorted[Math.floor(position)] as number;
  const above = sorted[Math.ceil(position)] as number;
  return below + (above - below) * (position - Math.floor(position));
}

export function median(values: number[]): number {
  return quantile(values, 0.5);
}

function summary(micros: Record<'a' | 'b', number[]>): AlternatingRounds {
  const ratios = micros.b.map((value, index) => value / (micros.a[index] as number));
  return {
    a: micros.a,
    b: micros.b,
    medianA: median(micros.a),
    medianB: median(micros.b),
    medianRatio: median(ratios),
    lowerQuartileRatio: quantile(ratios, 0.25),
    upperQuartileRatio: quantile(ratios, 0.75),
    minRatio: Math.min(...ratios),
    maxRatio: Math.max(...ratios),
  };
}

/** CPU µs per request of one round, and its latency ladder. */
async function round(target: GatewayTarget, load: RoundLoad, log: (line: string) => void): Promise<{ cpuMicros: number; latency: LatencyLadder }> {
  const request = target.request(load.stream, load.promptBytes, load.promptShape);
  const before = sampleUsage(target.pid);
  if (load.rate === undefined) {
    const run = await runWrk({ request, connections: load.connections, durationSeconds: load.seconds, cpu: load.loadCpu });
    const after = sampleUsage(target.pid);
    if (run.errors > 0) throw new Error(`${run.errors} failed requests in a round`);
    return { cpuMicros: cpuMicrosPerRequest(cpuPercent(before, after), run.requestsPerSecond) ?? Number.NaN, latency: run.latency };
  }
  const run = await runOpenLoopClient(
    { request, ratePerSecond: load.rate, durationMs: load.seconds * 1000, warmupMs: 0, maxConnections: 512, drainTimeoutMs: 5_000 },
    load.loadCpu,
  );
  const after = sampleUsage(target.pid);
  if (run.failed > 0) throw new Error(`${run.failed} failed requests in a round`);
  // An answer later than the drain timeout (a machine this loaded can stall a process for seconds) was still served.
  if (run.unanswered > 0) log(`  (${run.unanswered} answers came after the drain timeout)`);
  return {
    cpuMicros: ((after.cpuSeconds - before.cpuSeconds) * 1e6) / (run.recorded + run.unanswered),
    latency: latencyLadder(load.stream ? run.firstByteMicros : run.latencyMicros),
  };
}

const ladderText = (ladder: LatencyLadder) => `${ladder.p50}/${ladder.p90}/${ladder.p99}/${ladder.p999}`;

/** An unmeasured warm-up of each side (JIT, connection pools), then `rounds` rounds of each, alternating. */
export async function alternateRounds(
  sides: { a: GatewayTarget; b: GatewayTarget },
  load: RoundLoad,
  rounds: number,
  log: (line: string) => void,
): Promise<AlternatingRounds> {
  for (const side of ['a', 'b'] as const) await round(sides[side], { ...load, rate: undefined, seconds: 3 }, log);
  const micros: Record<'a' | 'b', number[]> = { a: [], b: [] };
  const latency: Record<'a' | 'b', LatencyLadder[]> = { a: [], b: [] };
  for (let index = 0; index < rounds; index++) {
    // a b, b a, ...: neither side always runs right after the other.
    const order = index % 2 === 0 ? (['a', 'b'] as const) : (['b', 'a'] as const);
    for (const side of order) {
      const result = await round(sides[side], load, log);
      micros[side].push(result.cpuMicros);
      latency[side].push(result.latency);
    }
    const a = micros.a.at(-1) as number;
    const b = micros.b.at(-1) as number;
    log(
      `  round ${index + 1}: a ${a.toFixed(0)} µs, b ${b.toFixed(0)} µs, b/a ${(b / a).toFixed(3)}; latency p50/p90/p99/p99.9 a ${ladderText(latency.a.at(-1) as LatencyLadder)}, b ${ladderText(latency.b.at(-1) as LatencyLadder)} µs`,
    );
  }
  return { ...summary(micros), latency };
}

/**
 * An unmeasured warm-up of both sides, then `rounds` rounds in which both get `load.rate` requests a
 * second at the same time, each from its own open-loop client; CPU µs per answered request of each.
 */
export async function pairedRounds(
  sides: { a: GatewayTarget; b: GatewayTarget },
  load: RoundLoad & { rate: number },
  rounds: number,
  log: (line: string) => void,
): Promise<AlternatingRounds> {
  const together = async (seconds: number) => {
    const before = { a: cpuNanoseconds(sides.a.pid), b: cpuNanoseconds(sides.b.pid) };
    const plan = { ratePerSecond: load.rate, durationMs: seconds * 1000, warmupMs: 0, maxConnections: 512, drainTimeoutMs: 5_000 };
    const run = (side: 'a' | 'b') =>
      runOpenLoopClient({ ...plan, request: sides[side].request(load.stream, load.promptBytes, load.promptShape) }, load.loadCpu);
    const [a, b] = await Promise.all([run('a'), run('b')]);
    const after = { a: cpuNanoseconds(sides.a.pid), b: cpuNanoseconds(sides.b.pid) };
    for (const result of [a, b]) {
      if (result.failed > 0) throw new Error(`${result.failed} failed requests in a round`);
      if (result.unanswered > 0) log(`  (${result.unanswered} answers came after the drain timeout)`);
    }
    // An answer later than the drain timeout (a machine this loaded can stall a process for seconds) was still served.
    return {
      a: (after.a - before.a) / 1000 / (a.recorded + a.unanswered),
      b: (after.b - before.b) / 1000 / (b.recorded + b.unanswered),
    };
  };
  await together(3);
  const micros: Record<'a' | 'b', number[]> = { a: [], b: [] };
  for (let index = 0; index < rounds; index++) {
    const round = await together(load.seconds);
    micros.a.push(round.a);
    micros.b.push(round.b);
    log(`  round ${index + 1}: a ${round.a.toFixed(0)} µs, b ${round.b.toFixed(0)} µs, b/a ${(round.b / round.a).toFixed(3)}`);
  }
  return summary(micros);
}
