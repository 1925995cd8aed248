// The results of one run: the JSON as measured, and a Markdown report built from it (tables of the
// latency ladder, overhead against direct, TTFT, saturation throughput, CPU and RSS, the ratios, and
// the design's performance budget next to what was measured).
import { cpuMicrosPerRequest, LADDER_STEPS, overheadLadder, ratio, type LatencyLadder } from './latency-stats.ts';
import type { OpenStreamsResult } from './measure-open-streams.ts';
import type { SnapshotSwapResult } from './measure-snapshot-swap.ts';
import type { FixedRateRun, TargetMeasurements } from './measure-targets.ts';
import type { TargetName } from './targets.ts';
import type { AlternatingRounds } from './alternate-rounds.ts';
import type { UpstreamSimulatorOptions } from './upstream-simulator.ts';

export interface BenchResults {
  startedAt: string;
  finishedAt: string;
  mode: 'full' | 'quick';
  machine: { cpus: string; cpuCount: number; kernel: string; node: string; loadAverageAtStart: number[] };
  pinning: Record<string, string>;
  versions: Record<string, string>;
  /** How the data plane was configured where it matters to the numbers (e.g. USAGE_SPOOL_SYNC). */
  dataPlaneSettings: Record<string, string>;
  simulator: Omit<UpstreamSimulatorOptions, 'port'>;
  plan: {
    rates: number[];
    streamRate: number;
    durationMs: number;
    saturationSeconds: number;
    saturationConnections: number;
    sequentialSeconds: number;
    bodySizes: number[];
    bodySizeSeconds: number;
    bodySizeConnections: number;
  };
  targets: Partial<Record<TargetName, TargetMeasurements>>;
  /** Targets that could not be measured, and why. */
  skipped: Partial<Record<TargetName, string>>;
  openStreams: OpenStreamsResult | null;
  snapshotSwap: SnapshotSwapResult | null;
  /** Why the snapshot swap could not be measured (it did not finish), or null. */
  snapshotSwapFailure: string | null;
  /** write + fdatasync of one small record in the temp dir (where the data plane's spool is), µs. */
  diskSync: LatencyLadder | null;
  /** CPU per request with the access log and metrics off (a) and on (b), alternating rounds; null when not run. */
  observability: (AlternatingRounds & { rate: number; seconds: number }) | null;
}

const micros = (value: number) => (Number.isFinite(value) ? `${Math.round(value).toLocaleString('en-US')}` : 'n/a');
const signedMicros = (value: number) => (Number.isFinite(value) ? `${value >= 0 ? '+' : ''}${Math.round(value).toLocaleString('en-US')}` : 'n/a');
const mebibytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const times = (value: number | null) => (value === null ? 'n/a' : `${value.toFixed(value < 1 ? 3 : 2)}×`);
const ladderCells = (ladder: LatencyLadder) => LADDER_STEPS.map((step) => micros(ladder[step]));

function runAt(measurements: TargetMeasurements | undefined, rate: number): FixedRateRun | undefined {
  return measurements?.fixedRate.find((run) => run.rate === rate);
}

export interface Ratios {
  /** Saturated req/s, gateway over nginx and over Portkey. */
  gatewayOverNginx: number | null;
  gatewayOverPortkey: number | null;
  /** The same from CPU time per request (their cost over ours), which other load on the machine disturbs less. */
  cpuGatewayOverNginx: number | null;
  cpuGatewayOverPortkey: number | null;
}

/** The data plane's targets (fake and real control plane, npm start), as the budget rows name them. */
const GATEWAYS: readonly TargetName[] = ['gateway', 'gateway-fdatasync', 'gateway-full', 'gateway-start'];
const kibibytes = (bytes: number) => (bytes >= 1024 * 1024 ? `${bytes / 1024 / 1024} MiB` : `${bytes / 1024} KiB`);

/** CPU per non-streamed request at saturation, `name` over `reference` (how many times the reference's cost). */
function cpuTimes(results: BenchResults, name: TargetName, reference: TargetName): number | null {
  return ratio(saturationCpuMicros(results, name), saturationCpuMicros(results, reference));
}

function bodySizeCpu(results: BenchResults, name: TargetName, promptBytes: number): number | null {
  return results.targets[name]?.bodySizes.find((run) => run.promptBytes === promptBytes)?.cpuMicrosPerRequest ?? null;
}

/** CPU per streamed chunk: a whole stream's CPU at stream saturation over its chunks. */
function cpuMicrosPerChunk(results: BenchResults, name: TargetName): number | null {
  const run = results.targets[name]?.streamSaturation;
  const perStream = run ? cpuMicrosPerRequest(run.cpuPercent, run.requestsPerSecond) : null;
  return perStream === null ? null : perStream / results.simulator.chunkCount;
}

function saturationCpuMicros(results: BenchResults, name: TargetName): number | null {
  const saturation = results.targets[name]?.saturation;
  return saturation ? cpuMicrosPerRequest(saturation.cpuPercent, saturation.requestsPerSecond) : null;
}

export function ratios(results: BenchResults): Ratios {
  const saturated = (name: TargetName) => results.targets[name]?.saturation.requestsPerSecond ?? null;
  const cpu = (name: TargetName) => saturationCpuMicros(results, name);
  return {
    gatewayOverNginx: ratio(saturated('gateway'), saturated('nginx')),
    gatewayOverPortkey: ratio(saturated('gateway'), saturated('portkey')),
    cpuGatewayOverNginx: ratio(cpu('nginx'), cpu('gateway')),
    cpuGatewayOverPortkey: ratio(cpu('portkey'), cpu('gateway')),
  };
}

export function markdownReport(results: BenchResults): string {
  const names = (Object.keys(results.targets) as TargetName[]).filter((name) => results.targets[name] !== undefined);
  const direct = results.targets.direct;
  const lines: string[] = [];
  lines.push(`# Benchmark: ${results.mode} run, ${results.startedAt}`, '');
  lines.push(
    `Machine: ${results.machine.cpuCount} × ${results.machine.cpus}, Linux ${results.machine.kernel}, Node ${results.machine.node}; load average at start ${results.machine.loadAverageAtStart.map((value) => value.toFixed(2)).join(' / ')}.`,
  );
  lines.push(
    `Pinning: ${Object.entries(results.pinning)
      .map(([what, where]) => `${what} → ${where}`)
      .join('; ')}.`,
  );
  lines.push(
    `Versions: ${Object.entries(results.versions)
      .map(([what, version]) => `${what} ${version}`)
      .join(', ')}.`,
  );
  lines.push(
    `Data plane: ${Object.entries(results.dataPlaneSettings)
      .map(([name, value]) => `${name}=${value}`)
      .join(', ')}.`,
  );
  const sim = results.simulator;
  lines.push(
    `Upstream simulator (uWS): non-streamed reply ${sim.responseBytes} B; streams: TTFT ${sim.ttftMs} ms, ${sim.chunkCount} chunks ${sim.interChunkMs} ms apart. Latencies in µs; overhead = target − direct at the same percentile.`,
    '',
  );
  if (results.diskSync) {
    lines.push(
      `Disk under the usage spool (temp dir), write + fdatasync of one record: p50 ${micros(results.diskSync.p50)} µs, p90 ${micros(results.diskSync.p90)} µs, p99 ${micros(results.diskSync.p99)} µs. The data plane sends a response's last bytes only once its usage event is in the spool; when the spool syncs before that, this latency is inside every request's.`,
      '',
    );
  }
  for (const [name, reason] of Object.entries(results.skipped)) lines.push(`**${name} not measured:** ${reason}`, '');

  for (const rate of results.plan.rates) {
    lines.push(`## Non-streamed, open loop at ${rate} req/s (${results.plan.durationMs / 1000} s)`, '');
    lines.push(
      '| target | achieved req/s | p50 | p90 | p99 | p99.9 | overhead p50 | overhead p99 | overhead p99.9 | failed | CPU | RSS |',
      '|---|---|---|---|---|---|---|---|---|---|---|---|',
    );
    const base = runAt(direct, rate);
    for (const name of names) {
      const measurements = results.targets[name] as TargetMeasurements;
      const run = runAt(measurements, rate);
      if (run === undefined) {
        if (measurements.overloadedRates.includes(rate))
          lines.push(`| ${name} | not run: saturates at ${measurements.saturation.requestsPerSecond.toFixed(0)} req/s |${' |'.repeat(10)}`);
        continue;
      }
      const overhead = base === undefined || name === 'direct' ? null : overheadLadder(run.latency, base.latency);
      lines.push(
        `| ${name} | ${run.achievedPerSecond.toFixed(0)} | ${ladderCells(run.latency).join(' | ')} | ${overhead ? signedMicros(overhead.p50) : '—'} | ${overhead ? signedMicros(overhead.p99) : '—'} | ${overhead ? signedMicros(overhead.p999) : '—'} | ${run.failed + run.unanswered} | ${run.cpuPercent.toFixed(0)} % | ${mebibytes(run.rssBytes)} |`,
      );
    }
    lines.push('');
  }

  lines.push(`## Streamed, open loop at ${results.plan.streamRate} streams/s: time to first byte (TTFT) and whole stream`, '');
  lines.push(
    '| target | TTFT p50 | TTFT p90 | TTFT p99 | TTFT p99.9 | TTFT overhead p50 | TTFT overhead p99 | stream p50 | stream p99 | failed | CPU | RSS |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const name of names) {
    const run = results.targets[name]?.stream;
    if (!run) {
      lines.push(`| ${name} | not run: ${results.targets[name]?.streamNotRun} |${' |'.repeat(10)}`);
      continue;
    }
    const overhead = !direct?.stream || name === 'direct' ? null : overheadLadder(run.firstByte, direct.stream.firstByte);
    lines.push(
      `| ${name} | ${ladderCells(run.firstByte).join(' | ')} | ${overhead ? signedMicros(overhead.p50) : '—'} | ${overhead ? signedMicros(overhead.p99) : '—'} | ${micros(run.latency.p50)} | ${micros(run.latency.p99)} | ${run.failed + run.unanswered} | ${run.cpuPercent.toFixed(0)} % | ${mebibytes(run.rssBytes)} |`,
    );
  }
  lines.push('');

  lines.push(`## Saturation: wrk, 1 thread, ${results.plan.saturationConnections} connections, ${results.plan.saturationSeconds} s each`, '');
  lines.push(
    '| target | requests | req/s | p50 | p90 | p99 | p99.9 | errors | CPU | CPU µs/req | RSS | peak RSS |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const name of names) {
    const measurements = results.targets[name] as TargetMeasurements;
    for (const [kind, run] of [
      ['non-streamed', measurements.saturation],
      ['streamed', measurements.streamSaturation],
    ] as const) {
      lines.push(
        `| ${name} | ${kind} | ${run.requestsPerSecond.toFixed(0)} | ${ladderCells(run.latency).join(' | ')} | ${run.errors} | ${run.cpuPercent.toFixed(0)} % | ${micros(cpuMicrosPerRequest(run.cpuPercent, run.requestsPerSecond) ?? Number.NaN)} | ${mebibytes(run.rssBytes)} | ${mebibytes(measurements.peakRssBytes)} |`,
      );
    }
  }
  const { gatewayOverNginx, gatewayOverPortkey, cpuGatewayOverNginx, cpuGatewayOverPortkey } = ratios(results);
  lines.push(
    '',
    `Saturated throughput ratios (non-streamed): gateway / nginx = ${times(gatewayOverNginx)}, gateway / Portkey = ${times(gatewayOverPortkey)}. From CPU per request (the throughput each would reach on a core of its own): gateway / nginx = ${times(cpuGatewayOverNginx)}, gateway / Portkey = ${times(cpuGatewayOverPortkey)}.`,
    '',
  );

  lines.push(
    `CPU per non-streamed request at saturation: ${names
      .filter((name) => GATEWAYS.includes(name) || name === 'floor')
      .flatMap((name) =>
        (['nginx', 'floor'] as const)
          .filter((reference) => reference !== name)
          .map((reference) => `${name} / ${reference} = ${times(cpuTimes(results, name, reference))}`),
      )
      .join(', ')}.`,
    '',
  );

  lines.push(`## Sequential requests on one connection (wrk, 1 connection, ${results.plan.sequentialSeconds} s): what a lone client waits`, '');
  lines.push(
    '| target | requests | p50 | p90 | p99 | p99.9 | overhead p50 | overhead p99 | overhead p99.9 | errors | CPU µs/req |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const name of names) {
    const run = (results.targets[name] as TargetMeasurements).sequential;
    const base = direct?.sequential;
    const overhead = base === undefined || name === 'direct' ? null : overheadLadder(run.latency, base.latency);
    lines.push(
      `| ${name} | ${run.latency.count} | ${ladderCells(run.latency).join(' | ')} | ${overhead ? signedMicros(overhead.p50) : '—'} | ${overhead ? signedMicros(overhead.p99) : '—'} | ${overhead ? signedMicros(overhead.p999) : '—'} | ${run.errors} | ${micros(cpuMicrosPerRequest(run.cpuPercent, run.requestsPerSecond) ?? Number.NaN)} |`,
    );
  }
  lines.push('');

  const sizes = results.plan.bodySizes;
  const swept = names.filter((name) => (results.targets[name]?.bodySizes.length ?? 0) > 0);
  if (sizes.length > 0 && swept.length > 0) {
    lines.push(
      `## CPU per request by prompt size (wrk, ${results.plan.bodySizeConnections} connections, ${results.plan.bodySizeSeconds} s each, non-streamed)`,
      '',
    );
    lines.push(`| target | ${sizes.map((bytes) => `${kibibytes(bytes)}: CPU µs/req (req/s)`).join(' | ')} |`, `|---|${sizes.map(() => '---|').join('')}`);
    for (const name of swept) {
      const cells = sizes.map((bytes) => {
        const run = results.targets[name]?.bodySizes.find((candidate) => candidate.promptBytes === bytes);
        if (!run) return 'n/a';
        return `${micros(run.cpuMicrosPerRequest ?? Number.NaN)} (${run.requestsPerSecond.toFixed(0)}${run.errors > 0 ? `, ${run.errors} errors` : ''})`;
      });
      lines.push(`| ${name} | ${cells.join(' | ')} |`);
    }
    for (const name of swept.filter((candidate) => GATEWAYS.includes(candidate))) {
      for (const reference of ['nginx', 'floor'] as const) {
        if (!swept.includes(reference)) continue;
        lines.push(
          `| ${name} / ${reference} | ${sizes.map((bytes) => times(ratio(bodySizeCpu(results, name, bytes), bodySizeCpu(results, reference, bytes)))).join(' | ')} |`,
        );
      }
    }
    lines.push('');
  }

  if (results.openStreams) {
    const held = results.openStreams;
    lines.push('## Concurrent open streams through the data plane', '');
    const capped =
      held.attempted < held.requested
        ? ` (capped from ${held.requested.toLocaleString('en-US')}: the open-file limit is ${held.openFileLimit} and the data plane holds two sockets per stream)`
        : '';
    lines.push(
      `${held.started.toLocaleString('en-US')} of ${held.attempted.toLocaleString('en-US')} streams open${capped}, ${held.failed} failed, ${held.endedBeforeMeasure} ended before the measurement. RSS ${mebibytes(held.rssBeforeBytes)} before, ${mebibytes(held.rssOpenBytes)} with the streams open, ${mebibytes(held.rssAfterCloseBytes)} 2 s after they closed: **${held.rssPerStreamBytes === null ? 'n/a' : `${(held.rssPerStreamBytes / 1024).toFixed(1)} KiB`} per open stream**. Data plane CPU while relaying them: ${held.cpuPercentWhileOpen.toFixed(0)} %. Time to first byte while opening: p50 ${micros(held.firstByte.p50)} µs, p99 ${micros(held.firstByte.p99)} µs.`,
      '',
    );
  }
  if (results.snapshotSwap) {
    const swap = results.snapshotSwap;
    lines.push('## Snapshot swap under traffic', '');
    lines.push(
      `A delta adding ${swap.extraKeys.toLocaleString('en-US')} API keys, published while a probe sends ${swap.probeRate} req/s: **swap ${swap.swapMs.toFixed(0)} ms** (published → served, excluding ${swap.publishMs.toFixed(0)} ms of signing in the control plane), of which the data plane spent ${swap.dataPlaneCpuMs.toFixed(0)} ms on CPU. Probe before the swap: p50 ${micros(swap.probeBefore.p50)} µs, p99 ${micros(swap.probeBefore.p99)} µs, max ${micros(swap.probeBefore.max)} µs; **worst request during the swap: ${micros(swap.worstDuringSwapMicros)} µs** (of ${swap.answeredDuringSwap} answered in that window); failed or unanswered ${swap.probeFailed}.`,
      '',
    );
  }

  if (results.observability) {
    const cost = results.observability;
    lines.push('## Observability cost', '');
    lines.push(
      `Two data planes sent ${cost.rate} req/s each at the same time, ${cost.a.length} rounds of ${cost.seconds} s, CPU time of each from the scheduler (ns): off (LOG_LEVEL=warn, no metrics listener) **${micros(cost.medianA)} µs** and on (access log at info, METRICS_PORT) **${micros(cost.medianB)} µs** CPU per request (medians): **on/off ${cost.medianRatio.toFixed(3)}** (median of the per-round ratios; quartiles ${cost.lowerQuartileRatio.toFixed(3)}-${cost.upperQuartileRatio.toFixed(3)}, range ${cost.minRatio.toFixed(3)}-${cost.maxRatio.toFixed(3)}; budget ≤ 1.05). Neither has an OTLP endpoint: tracing is then not loaded and reads no header.`,
      '',
    );
  }

  for (const name of names.filter((candidate) => GATEWAYS.includes(candidate))) {
    lines.push(`## ${name} against the ratio budget (same run)`, '');
    lines.push('| budget | measured | |', '|---|---|---|');
    for (const row of ratioBudget(results, name)) lines.push(`| ${row.budget} | ${row.measured} | ${row.met === null ? 'n/a' : row.met ? 'met' : 'missed'} |`);
    lines.push('');
  }

  lines.push("## Against the design's absolute budget", '');
  lines.push('| budget | target | measured |', '|---|---|---|');
  const gatewayAt2k = runAt(results.targets.gateway, 2000);
  const directAt2k = runAt(direct, 2000);
  const overheadAt2k = gatewayAt2k && directAt2k ? overheadLadder(gatewayAt2k.latency, directAt2k.latency) : null;
  const gatewayStream = results.targets.gateway?.stream;
  const ttftOverhead = gatewayStream && direct?.stream ? overheadLadder(gatewayStream.firstByte, direct.stream.firstByte) : null;
  const gatewaySaturation = results.targets.gateway?.saturation.requestsPerSecond;
  const notRun = gatewaySaturation === undefined ? 'not run' : `not run (saturates at ${gatewaySaturation.toFixed(0)} req/s)`;
  lines.push(`| overhead p50 at 2k req/s | ≤ 100 µs | ${overheadAt2k ? `${signedMicros(overheadAt2k.p50)} µs` : notRun} |`);
  lines.push(`| overhead p99 at 2k req/s | ≤ 1,000 µs | ${overheadAt2k ? `${signedMicros(overheadAt2k.p99)} µs` : notRun} |`);
  const streamNotRun = `not run (${results.targets.gateway?.streamNotRun ?? 'no data plane run'})`;
  lines.push(`| TTFT overhead p99 | ≤ 1,000 µs | ${ttftOverhead ? `${signedMicros(ttftOverhead.p99)} µs` : streamNotRun} |`);
  lines.push(`| saturated throughput vs Portkey | ≥ 20× | ${times(gatewayOverPortkey)} (by CPU per request: ${times(cpuGatewayOverPortkey)}) |`);
  lines.push(`| saturated throughput vs nginx | ≥ 0.60× | ${times(gatewayOverNginx)} (by CPU per request: ${times(cpuGatewayOverNginx)}) |`);
  const streams = results.openStreams;
  const streamsRss = streams?.rssPerStreamBytes
    ? `${((streams.rssBeforeBytes + streams.rssPerStreamBytes * 10_000) / 1024 ** 3).toFixed(2)} GiB RSS for 10k (from ${streams.started.toLocaleString('en-US')} open)`
    : 'not run';
  lines.push(`| 10k open streams | ≤ 1 GiB | ${streamsRss} |`);
  lines.push(
    `| 100k-key snapshot swap | ≤ 200 ms, no stall | ${results.snapshotSwap ? `${results.snapshotSwap.swapMs.toFixed(0)} ms, worst request ${micros(results.snapshotSwap.worstDuringSwapMicros)} µs` : (results.snapshotSwapFailure ?? 'not run')} |`,
  );
  lines.push('');
  return lines.join('\n');
}

interface BudgetRow {
  budget: string;
  measured: string;
  met: boolean | null;
}

/** Overhead over direct at p50 and p99, the gateway's against nginx's, for one kind of run. */
function overheadRows(
  label: string,
  gateway: LatencyLadder | undefined,
  nginx: LatencyLadder | undefined,
  base: LatencyLadder | undefined,
  p99Limit = 3,
): BudgetRow[] {
  if (!gateway || !nginx || !base) return [{ budget: `${label}: overhead p50 ≤ 2×, p99 ≤ ${p99Limit}× nginx's`, measured: 'not run', met: null }];
  const ours = overheadLadder(gateway, base);
  const theirs = overheadLadder(nginx, base);
  // Overheads below 50 µs are within the noise of a shared machine; the floor keeps the ratio meaningful.
  const row = (step: 'p50' | 'p99', limit: number): BudgetRow => {
    const times = ours[step] / Math.max(50, theirs[step]);
    return {
      budget: `${label}: overhead ${step} ≤ ${limit}× nginx's`,
      measured: `${times.toFixed(1)}× (${signedMicros(ours[step])} / ${signedMicros(theirs[step])} µs; p99.9 ${signedMicros(ours.p999)} / ${signedMicros(theirs.p999)} µs)`,
      met: times <= limit,
    };
  };
  return [row('p50', 2), row('p99', p99Limit)];
}

export function ratioBudget(results: BenchResults, name: TargetName): BudgetRow[] {
  const rows: BudgetRow[] = [];
  const cpu = (reference: TargetName, limit: number) => {
    const value = cpuTimes(results, name, reference);
    rows.push({
      budget: `CPU per non-streamed request ≤ ${limit}× ${reference}'s`,
      measured:
        value === null
          ? 'n/a'
          : `${value.toFixed(1)}× (${micros(saturationCpuMicros(results, name) ?? Number.NaN)} / ${micros(saturationCpuMicros(results, reference) ?? Number.NaN)} µs)`,
      met: value === null ? null : value <= limit,
    });
  };
  cpu('nginx', 3);
  cpu('floor', 1.5);
  const gateway = results.targets[name];
  const nginx = results.targets.nginx;
  const direct = results.targets.direct;
  for (const rate of results.plan.rates) {
    rows.push(...overheadRows(`${rate} req/s`, runAt(gateway, rate)?.latency, runAt(nginx, rate)?.latency, runAt(direct, rate)?.latency));
    const failed = runAt(gateway, rate);
    if (failed && failed.failed + failed.unanswered > 0)
      rows.push({ budget: `${rate} req/s: 0 failed`, measured: `${failed.failed + failed.unanswered} failed`, met: false });
  }
  rows.push(...overheadRows('sequential, 1 connection', gateway?.sequential.latency, nginx?.sequential.latency, direct?.sequential.latency));
  rows.push(
    ...overheadRows(`TTFT at ${results.plan.streamRate} streams/s`, gateway?.stream?.firstByte, nginx?.stream?.firstByte, direct?.stream?.firstByte, 2),
  );
  const perChunk = ratio(cpuMicrosPerChunk(results, name), cpuMicrosPerChunk(results, 'nginx'));
  rows.push({
    budget: "CPU per streamed chunk ≤ 3× nginx's",
    measured:
      perChunk === null
        ? 'n/a'
        : `${perChunk.toFixed(1)}× (${(cpuMicrosPerChunk(results, name) ?? 0).toFixed(1)} / ${(cpuMicrosPerChunk(results, 'nginx') ?? 0).toFixed(1)} µs per chunk)`,
    met: perChunk === null ? null : perChunk <= 3,
  });
  const overPortkey = ratio(saturationCpuMicros(results, 'portkey'), saturationCpuMicros(results, name));
  rows.push({
    budget: "saturated throughput ≥ 15× Portkey's (by CPU per request)",
    measured: overPortkey === null ? 'n/a' : `${overPortkey.toFixed(1)}×`,
    met: overPortkey === null ? null : overPortkey >= 15,
  });
  const sizes = results.plan.bodySizes.map((bytes) => ({ bytes, value: ratio(bodySizeCpu(results, name, bytes), bodySizeCpu(results, 'nginx', bytes)) }));
  if (sizes.length > 0) {
    const known = sizes.filter((size) => size.value !== null);
    rows.push({
      budget: "CPU per request ≤ 3× nginx's at every prompt size",
      measured: sizes.map((size) => `${kibibytes(size.bytes)} ${times(size.value)}`).join(', '),
      met: known.length === 0 ? null : known.every((size) => (size.value as number) <= 3),
    });
  }
  return rows;
}
