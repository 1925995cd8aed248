// The side-by-side part: for each target in turn (alone on the target CPU), wrk saturation runs
// (non-streamed, then streamed), sequential requests on one connection (wrk, 1 connection: what a lone
// client waits), the body-size sweep (wrk with a few connections and prompts of each size: CPU per
// request as the prompt grows), then
// open-loop runs at fixed rates (non-streamed) and one open-loop run of streams, each with the target's
// CPU use and RSS read from /proc around the run. A fixed rate above SUSTAINABLE_SHARE of the target's
// saturated throughput is not run: open-loop latency past saturation only grows with the run's length,
// and the backlog it leaves would spill into the next run.
import { cpuMicrosPerRequest, latencyLadder, type LatencyLadder } from './latency-stats.ts';
import type { OpenLoopResult } from './open-loop-load.ts';
import { cpuPercent, sampleUsage } from './process-usage.ts';
import { runOpenLoopClient } from './run-load-client.ts';
import { runWrk, type SaturationResult } from './run-wrk.ts';
import type { Target } from './targets.ts';

export interface MeasurePlan {
  rates: number[];
  streamRate: number;
  warmupMs: number;
  durationMs: number;
  saturationSeconds: number;
  saturationConnections: number;
  maxConnections: number;
  loadCpu: number;
  sequentialSeconds: number;
  /** Prompt sizes of the sweep, in bytes; empty = no sweep. */
  bodySizes: number[];
  bodySizeSeconds: number;
  bodySizeConnections: number;
}

export interface BodySizeRun extends ResourceUse {
  promptBytes: number;
  requestsPerSecond: number;
  errors: number;
  /** CPU µs per request of the target's process tree. */
  cpuMicrosPerRequest: number | null;
}

export interface ResourceUse {
  cpuPercent: number;
  rssBytes: number;
}

export interface FixedRateRun extends ResourceUse {
  rate: number;
  achievedPerSecond: number;
  failed: number;
  unanswered: number;
  latency: LatencyLadder;
  /** Time to first body byte: TTFT for streams. */
  firstByte: LatencyLadder;
}

export interface TargetMeasurements {
  fixedRate: FixedRateRun[];
  /** Fixed rates not run because the target saturates below them. */
  overloadedRates: number[];
  /** Null when not run; `streamNotRun` says why. */
  stream: FixedRateRun | null;
  streamNotRun: string | null;
  saturation: SaturationResult & ResourceUse;
  /** The same with streamed requests: whole streams per second. */
  streamSaturation: SaturationResult & ResourceUse;
  /** One connection, one request at a time. */
  sequential: SaturationResult & ResourceUse;
  bodySizes: BodySizeRun[];
  peakRssBytes: number;
}

const SUSTAINABLE_SHARE = 0.8;

async function withUsage<T>(pid: number, run: () => Promise<T>): Promise<T & ResourceUse> {
  const before = sampleUsage(pid);
  const result = await run();
  const after = sampleUsage(pid);
  return { ...result, cpuPercent: cpuPercent(before, after), rssBytes: after.rssBytes };
}

function summarise(result: OpenLoopResult): Omit<FixedRateRun, keyof ResourceUse> {
  return {
    rate: result.ratePerSecond,
    achievedPerSecond: result.achievedPerSecond,
    failed: result.failed,
    unanswered: result.unanswered,
    latency: latencyLadder(result.latencyMicros),
    firstByte: latencyLadder(result.firstByteMicros),
  };
}

export async function measureTarget(target: Target, plan: MeasurePlan, log: (line: string) => void): Promise<TargetMeasurements> {
  const openLoop = (stream: boolean, rate: number, warmupMs: number) =>
    withUsage(target.pid, async () =>
      summarise(
        await runOpenLoopClient(
          {
            request: target.request(stream),
            ratePerSecond: rate,
            durationMs: plan.durationMs,
            warmupMs,
            maxConnections: plan.maxConnections,
            drainTimeoutMs: 5_000,
          },
          plan.loadCpu,
        ),
      ),
    );
  const saturate = (stream: boolean, connections = plan.saturationConnections, durationSeconds = plan.saturationSeconds, promptBytes?: number) =>
    withUsage(target.pid, () => runWrk({ request: target.request(stream, promptBytes), connections, durationSeconds, cpu: plan.loadCpu }));
  // Unmeasured: JIT warm-up and connection pools, so the first measured run does not pay for them.
  await runWrk({
    request: target.request(false),
    connections: plan.saturationConnections,
    durationSeconds: Math.max(1, Math.round(plan.warmupMs / 1000)),
    cpu: plan.loadCpu,
  });
  const saturation = await saturate(false);
  log(
    `  ${target.name}: saturation (wrk, ${plan.saturationConnections} connections) → ${saturation.requestsPerSecond.toFixed(0)} req/s, p50 ${saturation.latency.p50} µs`,
  );
  const streamSaturation = await saturate(true);
  log(`  ${target.name}: stream saturation → ${streamSaturation.requestsPerSecond.toFixed(0)} streams/s, p50 ${streamSaturation.latency.p50} µs`);
  const sequential = await saturate(false, 1, plan.sequentialSeconds);
  log(`  ${target.name}: sequential (1 connection) → p50 ${sequential.latency.p50} µs, p99 ${sequential.latency.p99} µs, p99.9 ${sequential.latency.p999} µs`);
  const bodySizes: BodySizeRun[] = [];
  for (const promptBytes of plan.bodySizes) {
    const run = await saturate(false, plan.bodySizeConnections, plan.bodySizeSeconds, promptBytes);
    const perRequest = cpuMicrosPerRequest(run.cpuPercent, run.requestsPerSecond);
    bodySizes.push({
      promptBytes,
      requestsPerSecond: run.requestsPerSecond,
      errors: run.errors,
      cpuMicrosPerRequest: perRequest,
      cpuPercent: run.cpuPercent,
      rssBytes: run.rssBytes,
    });
    log(
      `  ${target.name}: ${(promptBytes / 1024).toFixed(0)} KiB prompts → ${run.requestsPerSecond.toFixed(0)} req/s, ${perRequest?.toFixed(0) ?? 'n/a'} CPU µs/request, errors ${run.errors}`,
    );
  }
  const sustainable = (rate: number, capacity = saturation.requestsPerSecond) => rate <= SUSTAINABLE_SHARE * capacity;
  const fixedRate: FixedRateRun[] = [];
  const overloadedRates: number[] = [];
  for (const rate of plan.rates) {
    if (!sustainable(rate)) {
      overloadedRates.push(rate);
      log(`  ${target.name}: ${rate} req/s not run: over ${SUSTAINABLE_SHARE * 100} % of its saturated throughput`);
      continue;
    }
    const run = await openLoop(false, rate, fixedRate.length === 0 ? plan.warmupMs : 500);
    log(
      `  ${target.name}: ${rate} req/s → p50 ${run.latency.p50.toFixed(0)} µs, p99 ${run.latency.p99.toFixed(0)} µs (achieved ${run.achievedPerSecond.toFixed(0)}/s, failed ${run.failed})`,
    );
    fixedRate.push(run);
  }
  const streamErrors = streamSaturation.errors / Math.max(1, streamSaturation.latency.count);
  const streamNotRun =
    streamErrors > 0.5
      ? `${(streamErrors * 100).toFixed(0)} % of its streamed requests failed under wrk`
      : sustainable(plan.streamRate, streamSaturation.requestsPerSecond)
        ? null
        : `saturates at ${streamSaturation.requestsPerSecond.toFixed(0)} streams/s`;
  if (streamNotRun) log(`  ${target.name}: streams at ${plan.streamRate}/s not run: ${streamNotRun}`);
  const stream = streamNotRun === null ? await openLoop(true, plan.streamRate, 500) : null;
  if (stream)
    log(`  ${target.name}: streams at ${plan.streamRate}/s → TTFT p50 ${stream.firstByte.p50.toFixed(0)} µs, p99 ${stream.firstByte.p99.toFixed(0)} µs`);
  return {
    fixedRate,
    overloadedRates,
    stream,
    streamNotRun,
    saturation,
    streamSaturation,
    sequential,
    bodySizes,
    peakRssBytes: sampleUsage(target.pid).peakRssBytes,
  };
}
