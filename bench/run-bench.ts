// `npm run bench`: the gateway's data plane side by side with direct, nginx and Portkey, in one run.
// See --help, and the README's Benchmarks section for how to read the results.
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pairedRounds } from './alternate-rounds.ts';
import { drawChart } from './draw-chart.ts';
import { measureDiskSync } from './measure-disk-sync.ts';
import { measureOpenStreams } from './measure-open-streams.ts';
import { measureSnapshotSwap } from './measure-snapshot-swap.ts';
import { measureTarget, type MeasurePlan } from './measure-targets.ts';
import {
  directTarget,
  REPOSITORY_ROOT,
  startFloor,
  startGatewayFullTarget,
  startGatewayStartTarget,
  startGatewayTarget,
  startNginx,
  startPortkey,
  startSimulator,
  TARGET_NAMES,
  type Simulator,
  type Target,
  type TargetName,
} from './targets.ts';
import { markdownReport, type BenchResults } from './write-report.ts';
import { DEFAULT_SPOOL_SYNC } from '../data-plane/src/usage/usage-spool.ts';

const TARGET_CPU = 0;
const LOAD_CPU = 1;

const BODY_SIZES = [1024, 32 * 1024, 256 * 1024, 1024 * 1024];
/** The sweep's wrk connections: a few agents sending long contexts, not a crowd. */
const BODY_SIZE_CONNECTIONS = 8;

const help = `Usage: npm run bench [-- options]

Starts a uWS upstream simulator and measures, one after the other, direct (the simulator itself),
nginx (reverse proxy, 1 worker), floor (the thinnest relay on our stack: uWS, the data plane's upstream
client, JSON.parse of request and answer), the Portkey gateway (npm), our data plane (auth, org policy,
spend, metering and usage spool on; fake control plane), gateway-fdatasync (the same with
USAGE_SPOOL_SYNC=fdatasync), gateway-full (the data plane fed by the real
control plane on its embedded database, separate processes, real usage ingest) and gateway-start
(\`npm start\` in a fresh data folder, its simulator provider pointed at the bench's simulator): wrk saturation,
sequential requests on one connection, CPU per request for ${BODY_SIZES.map((bytes) => `${bytes / 1024} KiB`).join(', ')} prompts,
open-loop latency at fixed rates and streamed TTFT; then many concurrent open streams and a 100k-key
snapshot swap under traffic, and what the access log and metrics cost (two data planes, one with
LOG_LEVEL=warn and no metrics, one at info with METRICS_PORT, sent the same open-loop rate at the same time, round after round). Proxies run on CPU ${TARGET_CPU}; load generators, the simulator, the control
planes and this harness on CPU ${LOAD_CPU} (taskset). Needs 2+ CPUs, nginx and wrk.

Options:
  --quick               short runs, 1,000 open streams, no gateway-start (a few minutes)
  --targets=a,b         only these of ${TARGET_NAMES.join(', ')} (default: all; with
                        --quick, all but gateway-start)
  --no-sizes            skip the prompt-size sweep
  --no-streams          skip the concurrent open streams
  --no-swap             skip the snapshot swap
  --no-observability    skip the observability cost (access log and metrics off vs on, paired rounds)
  --profile             run the data plane with --cpu-prof (not gateway-start's); prints where the profiles went
  --help                this text

Writes bench/results/<full|quick>.json, .md and .png.
`;

const SIMULATOR = { ttftMs: 0, interChunkMs: 1, chunkCount: 20, responseBytes: 1024 };
/** A probe, not load: low enough to stay far below any saturation, high enough to catch a stall of a few ms. */
const SWAP_PROBE_RATE = 200;
/** The observability cost's open-loop rate: far below saturation, so both sides batch alike. */
const OBSERVABILITY_RATE = 400;
const LONG_STREAMS_SIMULATOR = { ttftMs: 0, interChunkMs: 1000, chunkCount: 120, responseBytes: 1024 };

/** nginx -v and wrk -v print to stderr, and wrk exits non-zero, so both streams are searched. */
function versionOf(command: string, args: string[], pattern: RegExp): string {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.error) return 'not installed';
  return pattern.exec(`${result.stdout}${result.stderr}`)?.[1] ?? 'unknown';
}

async function packageVersion(name: string): Promise<string> {
  try {
    return (JSON.parse(await readFile(join(REPOSITORY_ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) return void process.stdout.write(help);
  if (cpus().length < 2) throw new Error('the benchmark pins targets and load to two different CPUs; this machine has one');
  const quick = args.includes('--quick');
  const only = args
    .find((arg) => arg.startsWith('--targets='))
    ?.slice('--targets='.length)
    .split(',');
  const unknown = only?.filter((name) => !TARGET_NAMES.includes(name as TargetName)) ?? [];
  if (unknown.length > 0) throw new Error(`unknown target(s) ${unknown.join(', ')}; choose from ${TARGET_NAMES.join(', ')}`);
  // A quick run leaves out npm start unless named: its first start (database, seed, console) alone takes ~30 s.
  const names = TARGET_NAMES.filter((name) => (only === undefined ? !quick || name !== 'gateway-start' : only.includes(name)));
  const profileDirectory = args.includes('--profile') ? await mkdtemp(join(tmpdir(), 'bench-profile-')) : null;
  const sizes = args.includes('--no-sizes') ? [] : BODY_SIZES;
  const dataPlaneFlags = profileDirectory ? ['--cpu-prof', `--cpu-prof-dir=${profileDirectory}`] : [];

  const plan: MeasurePlan = quick
    ? {
        rates: [500, 2000],
        streamRate: 200,
        warmupMs: 500,
        durationMs: 2500,
        saturationSeconds: 2,
        saturationConnections: 32,
        maxConnections: 512,
        loadCpu: LOAD_CPU,
        sequentialSeconds: 2,
        bodySizes: sizes,
        bodySizeSeconds: 2,
        bodySizeConnections: BODY_SIZE_CONNECTIONS,
      }
    : {
        rates: [500, 2000],
        streamRate: 200,
        warmupMs: 2000,
        durationMs: 15_000,
        saturationSeconds: 10,
        saturationConnections: 32,
        maxConnections: 512,
        loadCpu: LOAD_CPU,
        sequentialSeconds: 10,
        bodySizes: sizes,
        bodySizeSeconds: 5,
        bodySizeConnections: BODY_SIZE_CONNECTIONS,
      };
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const results: BenchResults = {
    startedAt: new Date().toISOString(),
    finishedAt: '',
    mode: quick ? 'quick' : 'full',
    machine: { cpus: cpus()[0]?.model ?? 'unknown', cpuCount: cpus().length, kernel: release(), node: process.version, loadAverageAtStart: loadavg() },
    pinning: {
      'proxy targets (nginx, Portkey, data plane)': `CPU ${TARGET_CPU}`,
      'load generators (wrk, open-loop client)': `CPU ${LOAD_CPU}`,
      'upstream simulator (also the direct target)': `CPU ${LOAD_CPU}, so a proxy has CPU ${TARGET_CPU} to itself and every target sees the same upstream`,
      'harness, fake control plane and real control plane (gateway-full)': `CPU ${LOAD_CPU}`,
      'npm start (gateway-start)': `its control plane and simulator on CPU ${LOAD_CPU}, its data plane moved to CPU ${TARGET_CPU}`,
    },
    versions: {
      node: process.version,
      nginx: versionOf('nginx', ['-v'], /nginx\/(\S+)/),
      wrk: versionOf('wrk', ['-v'], /wrk (\S+)/),
      '@portkey-ai/gateway': await packageVersion('@portkey-ai/gateway'),
      'uWebSockets.js': await packageVersion('uWebSockets.js'),
    },
    // The environment reaches the data plane's process, so `USAGE_SPOOL_SYNC=write npm run bench` measures that mode.
    dataPlaneSettings: { USAGE_SPOOL_SYNC: `${process.env.USAGE_SPOOL_SYNC || DEFAULT_SPOOL_SYNC} (gateway-fdatasync: fdatasync)` },
    simulator: SIMULATOR,
    plan: {
      rates: plan.rates,
      streamRate: plan.streamRate,
      durationMs: plan.durationMs,
      saturationSeconds: plan.saturationSeconds,
      saturationConnections: plan.saturationConnections,
      sequentialSeconds: plan.sequentialSeconds,
      bodySizes: plan.bodySizes,
      bodySizeSeconds: plan.bodySizeSeconds,
      bodySizeConnections: plan.bodySizeConnections,
    },
    targets: {},
    skipped: {},
    openStreams: null,
    snapshotSwap: null,
    snapshotSwapFailure: null,
    diskSync: await measureDiskSync(quick ? 100 : 300),
    observability: null,
  };
  log(
    `benchmark (${results.mode}); targets on CPU ${TARGET_CPU}, load and simulator on CPU ${LOAD_CPU}; load average ${loadavg()
      .map((value) => value.toFixed(2))
      .join(' ')}`,
  );

  const simulator = await startSimulator(SIMULATOR, LOAD_CPU);
  try {
    const starters: Record<TargetName, (sim: Simulator) => Promise<Target>> = {
      direct: async (sim) => directTarget(sim),
      nginx: (sim) => startNginx(sim, TARGET_CPU),
      floor: (sim) => startFloor(sim, TARGET_CPU),
      portkey: (sim) => startPortkey(sim, TARGET_CPU),
      gateway: (sim) => startGatewayTarget(sim, TARGET_CPU, dataPlaneFlags),
      'gateway-fdatasync': (sim) => startGatewayTarget(sim, TARGET_CPU, dataPlaneFlags, { name: 'gateway-fdatasync', env: { USAGE_SPOOL_SYNC: 'fdatasync' } }),
      'gateway-full': (sim) => startGatewayFullTarget(sim, TARGET_CPU, LOAD_CPU, dataPlaneFlags),
      'gateway-start': (sim) => startGatewayStartTarget(sim, TARGET_CPU, LOAD_CPU),
    };
    for (const name of names) {
      log(`${name}:`);
      let target: Target;
      try {
        target = await starters[name](simulator);
      } catch (error) {
        results.skipped[name] = error instanceof Error ? error.message : String(error);
        log(`  skipped: ${results.skipped[name]}`);
        continue;
      }
      try {
        // Portkey needs seconds per large prompt; the sweep compares our stack with nginx and the floor.
        results.targets[name] = await measureTarget(target, name === 'portkey' ? { ...plan, bodySizes: [] } : plan, log);
      } finally {
        await target.stop();
      }
    }

    if (!args.includes('--no-streams')) {
      const longStreams = await startSimulator(LONG_STREAMS_SIMULATOR, LOAD_CPU);
      const gateway = await startGatewayTarget(longStreams, TARGET_CPU);
      try {
        log('open streams:');
        results.openStreams = await measureOpenStreams(gateway, quick ? 1_000 : 10_000, quick ? 2_000 : 5_000, LOAD_CPU);
        log(`  ${results.openStreams.started} open, RSS per stream ${((results.openStreams.rssPerStreamBytes ?? 0) / 1024).toFixed(1)} KiB`);
      } finally {
        await gateway.stop();
        await longStreams.process.stop();
      }
    }

    if (!args.includes('--no-swap')) {
      const gateway = await startGatewayTarget(simulator, TARGET_CPU);
      try {
        log('snapshot swap:');
        results.snapshotSwap = await measureSnapshotSwap(gateway, simulator, 100_000, SWAP_PROBE_RATE, LOAD_CPU);
        log(`  swap ${results.snapshotSwap.swapMs.toFixed(0)} ms, worst request ${(results.snapshotSwap.worstDuringSwapMicros / 1000).toFixed(1)} ms`);
      } catch (error) {
        // A swap that does not finish is a finding of the run, reported with the rest, not a reason to lose it.
        results.snapshotSwapFailure = error instanceof Error ? error.message : String(error);
        log(`  failed: ${results.snapshotSwapFailure}`);
      } finally {
        await gateway.stop();
      }
    }

    if (!args.includes('--no-observability')) {
      log('observability cost (a: LOG_LEVEL=warn, no metrics; b: LOG_LEVEL=info, METRICS_PORT; no OTLP endpoint in either):');
      const off = await startGatewayTarget(simulator, TARGET_CPU, [], { name: 'gateway', env: { LOG_LEVEL: 'warn' } });
      try {
        const on = await startGatewayTarget(simulator, TARGET_CPU, [], { name: 'gateway', env: { LOG_LEVEL: 'info', METRICS_PORT: '0' } });
        try {
          const load = { stream: false, promptBytes: undefined, connections: 32, rate: OBSERVABILITY_RATE, seconds: quick ? 4 : 6, loadCpu: LOAD_CPU };
          const rounds = await pairedRounds({ a: off, b: on }, load, quick ? 8 : 20, log);
          results.observability = { rate: OBSERVABILITY_RATE, seconds: load.seconds, ...rounds };
          log(
            `  off ${rounds.medianA.toFixed(0)} µs, on ${rounds.medianB.toFixed(0)} µs per request: on/off ${rounds.medianRatio.toFixed(3)} (quartiles ${rounds.lowerQuartileRatio.toFixed(3)}-${rounds.upperQuartileRatio.toFixed(3)})`,
          );
        } finally {
          await on.stop();
        }
      } finally {
        await off.stop();
      }
    }
  } finally {
    await simulator.process.stop();
  }

  results.finishedAt = new Date().toISOString();
  const directory = join(REPOSITORY_ROOT, 'bench', 'results');
  await mkdir(directory, { recursive: true });
  const markdown = markdownReport(results);
  await writeFile(join(directory, `${results.mode}.json`), `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(join(directory, `${results.mode}.md`), markdown);
  await writeFile(join(directory, `${results.mode}.png`), drawChart(results));
  log(`\n${markdown}`);
  log(`written: bench/results/${results.mode}.json, .md, .png`);
  if (profileDirectory) log(`data plane CPU profiles: ${profileDirectory}`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
