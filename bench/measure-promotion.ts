// What survives the request loop's scavenges, per request: a data plane (the gateway target: fake
// control plane, usage spool on, pinned like bench:compare) under an open loop at a fixed rate, started
// with --trace-gc-nvp; the scavenges of its main isolate during the measured window give the bytes
// promoted per request and the pause distribution.
//
// new_space_survived is what a scavenge copied within the young generation; what it promotes is what
// survived the scavenge before as well.
//
//   node --import tsx bench/measure-promotion.ts [--root=DIR] [--rate=2000] [--seconds=10] [--flags="..."] [--env=K=V,K=V] [--dump=FILE (the whole output)]
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { quantile } from './alternate-rounds.ts';
import { runOpenLoopClient, steadyOpenLoop } from './run-load-client.ts';
import { REPOSITORY_ROOT, startGatewayTarget, startSimulator } from './targets.ts';
import { option } from './command-line-option.ts';

const TARGET_CPU = 0;
const LOAD_CPU = 1;

interface Scavenge {
  isolate: string;
  atMs: number;
  pauseMs: number;
  promoted: number;
  survived: number;
  allocated: number;
}

/** The scavenges in --trace-gc-nvp lines: `[pid:isolate]  N ms: pause=… gc=s … promoted=… semi_space_copied=…`. */
function scavenges(text: string): Scavenge[] {
  const found: Scavenge[] = [];
  for (const line of text.split('\n')) {
    const match = /^\[\d+:(0x[0-9a-f]+)\]\s+(\d+) ms: pause=([\d.]+) .*gc=s /.exec(line);
    if (match === null) continue;
    const field = (name: string) => Number(new RegExp(` ${name}=(\\d+)`).exec(line)?.[1] ?? 0);
    found.push({
      isolate: match[1]!,
      atMs: Number(match[2]),
      pauseMs: Number(match[3]),
      promoted: field('promoted'),
      survived: field('new_space_survived'),
      allocated: field('allocated'),
    });
  }
  return found;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const root = resolve(option(args, 'root') ?? REPOSITORY_ROOT);
  const rate = Number(option(args, 'rate') ?? 2000);
  const seconds = Number(option(args, 'seconds') ?? 10);
  const flags = ['--trace-gc-nvp', ...(option(args, 'flags')?.split(' ').filter(Boolean) ?? [])];
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const load = () =>
    loadavg()
      .map((value) => value.toFixed(2))
      .join(' ');
  log(`root ${root} flags ${flags.join(' ')} rate ${rate}/s ${seconds} s; load average ${load()}`);
  const simulator = await startSimulator({ ttftMs: 0, interChunkMs: 1, chunkCount: 20, responseBytes: 1024 }, LOAD_CPU);
  const env = Object.fromEntries(
    (option(args, 'env') ?? '')
      .split(',')
      .filter(Boolean)
      .map((pair) => pair.split('=') as [string, string]),
  );
  const target = await startGatewayTarget(simulator, TARGET_CPU, flags, { name: 'gateway', root, env: { LOG_LEVEL: 'warn', ...env } });
  try {
    const plan = (durationMs: number) => steadyOpenLoop(target.request(false), rate, durationMs);
    await runOpenLoopClient(plan(3_000), LOAD_CPU);
    const before = target.output().length;
    const result = await runOpenLoopClient(plan(seconds * 1000), LOAD_CPU);
    const windowText = target.output().slice(before);
    const dump = option(args, 'dump');
    if (dump !== undefined) writeFileSync(dump, target.output());
    const window = scavenges(windowText);
    // The main isolate is the one that scavenges most (the snapshot feed's worker hardly allocates).
    const counts = new Map<string, number>();
    for (const scavenge of window) counts.set(scavenge.isolate, (counts.get(scavenge.isolate) ?? 0) + 1);
    const main = [...counts.entries()].sort((left, right) => right[1] - left[1])[0]?.[0];
    const own = window.filter((scavenge) => scavenge.isolate === main);
    const promoted = own.reduce((sum, scavenge) => sum + scavenge.promoted, 0);
    const survived = own.reduce((sum, scavenge) => sum + scavenge.survived, 0);
    const pauses = own.map((scavenge) => scavenge.pauseMs);
    const requests = result.recorded + result.failed + result.unanswered;
    const spanS = own.length > 1 ? (own.at(-1)!.atMs - own[0]!.atMs) / 1000 : seconds;
    log(
      `requests ${requests} (answered ${result.recorded}, failed ${result.failed}, unanswered ${result.unanswered}); scavenges ${own.length} (${(own.length / spanS).toFixed(1)}/s)`,
    );
    log(
      `promoted ${(promoted / 1e6).toFixed(2)} MB, ${(promoted / requests).toFixed(0)} B/request, ${(promoted / Math.max(1, own.length) / 1e3).toFixed(0)} kB/scavenge`,
    );
    const perScavenge = own.map((scavenge) => scavenge.promoted / 1e3);
    log(
      `promoted kB per scavenge p10 ${quantile(perScavenge, 0.1).toFixed(0)} p50 ${quantile(perScavenge, 0.5).toFixed(0)} p90 ${quantile(perScavenge, 0.9).toFixed(0)} max ${Math.max(...perScavenge).toFixed(0)}`,
    );
    log(`allocated ${(own.reduce((sum, scavenge) => sum + scavenge.allocated, 0) / requests).toFixed(0)} B/request`);
    log(`copied within new space ${(survived / requests).toFixed(0)} B/request, ${(survived / Math.max(1, own.length) / 1e3).toFixed(0)} kB/scavenge`);
    log(
      `scavenge pause ms p50 ${quantile(pauses, 0.5).toFixed(2)} p90 ${quantile(pauses, 0.9).toFixed(2)} p99 ${quantile(pauses, 0.99).toFixed(2)} max ${Math.max(...pauses).toFixed(2)}; ${(pauses.reduce((sum, pause) => sum + pause, 0) / spanS).toFixed(1)} ms/s`,
    );
    const latency = [...result.latencyMicros].sort((left, right) => left - right);
    log(
      `latency µs p50 ${quantile(latency, 0.5).toFixed(0)} p99 ${quantile(latency, 0.99).toFixed(0)} p99.9 ${quantile(latency, 0.999).toFixed(0)}; load average ${load()}`,
    );
  } finally {
    await target.stop();
    await simulator.process.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`measure-promotion: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
