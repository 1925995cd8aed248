// What makes the open-loop latency tail (issue 19, 2,000 req/s p99/p99.9): the upstream pool's
// connections opened and closed per second beside the target's loop stalls. Starts the bench's simulator
// (CPU 0) and one target (floor or gateway, CPU 1) with bench/loop-timeline.mjs loaded, drives it
// through phases like the bench's (wrk fills the pool, one connection lets the extra connections idle
// past the simulator's idle timeout, then the open loop), and reports for each open-loop phase:
// latency ladder, upstream connects / peer closes (FIN) / socket closes per second, loop gaps of 3 ms or
// more and collections of 1 ms or more, and for the slowest requests (over the phase's p99) what the
// timeline holds from 5 ms before each was due to its answer.
//   node --import tsx bench/measure-upstream-churn.ts --target=floor|gateway
//     [--phases=wrk:32:3,wrk:1:11,open:500:5,open:2000:15]   (kind:connections-or-rate:seconds)
//     [--root=DIR]   (a gateway from another checkout, e.g. a base worktree)
// Run it under flock /work/team/bench.lock (it holds both CPUs).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { latencyLadder, percentile } from './latency-stats.ts';
import { startPinned } from './pinned-process.ts';
import { runOpenLoopClient } from './run-load-client.ts';
import { runWrk } from './run-wrk.ts';
import { REPOSITORY_ROOT, startGatewayTarget, startSimulator, type Target } from './targets.ts';

const { values } = parseArgs({
  options: {
    target: { type: 'string', default: 'floor' },
    phases: { type: 'string', default: 'wrk:32:3,wrk:1:11,open:500:5,open:2000:15' },
    root: { type: 'string' },
  },
});
const LOAD_CPU = 0;
const TARGET_CPU = 1;
const SIMULATOR = { ttftMs: 0, interChunkMs: 1, chunkCount: 20, responseBytes: 1024 };
const root = values.root ?? REPOSITORY_ROOT;
const timelineFlag = `--import=${join(REPOSITORY_ROOT, 'bench/loop-timeline.mjs')}`;

const directory = await mkdtemp(join(tmpdir(), 'upstream-churn-'));
const timelineFile = join(directory, 'timeline.txt');
// The data plane inherits the environment; the floor is given it below.
process.env.LOOP_TIMELINE_FILE = timelineFile;

const simulator = await startSimulator(SIMULATOR, LOAD_CPU);
let target: Target;
if (values.target === 'gateway') {
  target = await startGatewayTarget(simulator, TARGET_CPU, [timelineFlag], { name: 'gateway', root });
} else {
  const options = { port: 0, upstreamUrl: `http://127.0.0.1:${simulator.port}/v1/chat/completions` };
  const floor = startPinned({
    name: 'floor relay',
    cpu: TARGET_CPU,
    command: process.execPath,
    args: [timelineFlag, '--import', 'tsx', 'bench/floor-relay-main.ts', JSON.stringify(options)],
    cwd: root,
  });
  const port = Number((await floor.waitForLine(/^listening \d+/, 30_000)).split(' ')[1]);
  const body = JSON.stringify({ model: 'echo', messages: [{ role: 'user', content: 'Hello, benchmark' }] });
  target = {
    name: 'floor',
    pid: floor.pid,
    request: () => ({ host: '127.0.0.1', port, path: '/v1/chat/completions', headers: { authorization: 'Bearer sk-bench' }, body }),
    stop: () => floor.stop(),
  };
}

interface Event {
  kind: string;
  fromNs: bigint;
  toNs: bigint;
  detail: string;
}

function readTimeline(text: string): Event[] {
  const events: Event[] = [];
  for (const line of text.split('\n')) {
    const upstream = /^timeline upstream (\S+) (\d+) (\d+)$/.exec(line);
    if (upstream) {
      events.push({ kind: upstream[1] as string, fromNs: BigInt(upstream[2] as string), toNs: BigInt(upstream[2] as string), detail: '' });
      continue;
    }
    const span = /^timeline (\S+) (\d+) (\d+)(?: cpu (\d+) steal (\d+))?$/.exec(line);
    if (span) {
      const detail = span[4] === undefined ? '' : `cpu ${(Number(span[4]) / 1e6).toFixed(1)} steal ${(Number(span[5]) / 1e6).toFixed(0)}`;
      events.push({ kind: span[1] as string, fromNs: BigInt(span[2] as string), toNs: BigInt(span[3] as string), detail });
    }
  }
  return events;
}

const ms = (ns: bigint) => Number(ns) / 1e6;
const log = (line: string) => process.stdout.write(`${line}\n`);
log(
  `target ${values.target} (${root}), load average ${loadavg()
    .map((value) => value.toFixed(2))
    .join(' ')}`,
);

try {
  for (const phase of values.phases.split(',')) {
    const [kind, amount, seconds] = phase.split(':') as [string, string, string];
    if (kind === 'wrk') {
      const run = await runWrk({ request: target.request(false), connections: Number(amount), durationSeconds: Number(seconds), cpu: LOAD_CPU });
      log(`wrk ${amount} connections ${seconds} s: ${run.requestsPerSecond.toFixed(0)} req/s, p99 ${run.latency.p99} µs`);
      continue;
    }
    const rate = Number(amount);
    const result = await runOpenLoopClient(
      { request: target.request(false), ratePerSecond: rate, durationMs: Number(seconds) * 1000, warmupMs: 500, maxConnections: 512, drainTimeoutMs: 5_000 },
      LOAD_CPU,
    );
    // The file is written as the target runs; a short pause lets the last lines out.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const startNs = BigInt(result.recordStartNs);
    const endNs = startNs + BigInt(Number(seconds) * 1e9);
    const events = readTimeline(await readFile(timelineFile, 'utf8')).filter((event) => event.toNs >= startNs && event.fromNs <= endNs);
    const ladder = latencyLadder(result.latencyMicros);
    log(
      `open ${rate}/s ${seconds} s: achieved ${result.achievedPerSecond.toFixed(0)}/s, failed ${result.failed}, p50 ${ladder.p50.toFixed(0)} p90 ${ladder.p90.toFixed(0)} p99 ${ladder.p99.toFixed(0)} p99.9 ${ladder.p999.toFixed(0)} max ${ladder.max.toFixed(0)} µs; load ${loadavg()[0]?.toFixed(2)}`,
    );
    const perSecond = new Map<number, Record<string, number>>();
    for (const event of events) {
      const second = Math.floor(ms(event.fromNs - startNs) / 1000);
      const row = perSecond.get(second) ?? {};
      row[event.kind] = (row[event.kind] ?? 0) + 1;
      if (event.kind === 'gap') row.gapMs = (row.gapMs ?? 0) + ms(event.toNs - event.fromNs);
      perSecond.set(second, row);
    }
    const slowPerSecond = new Map<number, number>();
    const sorted = Float64Array.from(result.latencyMicros).sort();
    const p99 = percentile(sorted, 0.99);
    const slow: number[] = [];
    result.latencyMicros.forEach((latency, index) => {
      if (latency <= p99) return;
      slow.push(index);
      const second = Math.floor((result.dueMicros[index] as number) / 1e6);
      slowPerSecond.set(second, (slowPerSecond.get(second) ?? 0) + 1);
    });
    log('  second: connecting connected end close | gaps (ms in gaps) | gc | requests over p99');
    for (let second = 0; second < Number(seconds); second++) {
      const row = perSecond.get(second) ?? {};
      const gcs = (row.scavenge ?? 0) + (row['mark-compact'] ?? 0) + (row.incremental ?? 0) + (row['weak-callbacks'] ?? 0);
      log(
        `  ${String(second).padStart(3)}: ${row.connecting ?? 0} ${row.connected ?? 0} ${row.end ?? 0} ${row.close ?? 0} | ${row.gap ?? 0} (${(row.gapMs ?? 0).toFixed(0)}) | ${gcs} | ${slowPerSecond.get(second) ?? 0}`,
      );
    }
    // Each slow request beside what the target's timeline holds from 5 ms before it was due to its answer.
    const near: Record<string, number> = {};
    const lines: string[] = [];
    // One line per stall: a slow request due within 20 ms of one already listed is not listed again.
    const listedDue: number[] = [];
    for (const index of slow.sort((a, b) => (result.latencyMicros[b] as number) - (result.latencyMicros[a] as number))) {
      const dueNs = startNs + BigInt(Math.round((result.dueMicros[index] as number) * 1000));
      const answerNs = dueNs + BigInt(Math.round((result.latencyMicros[index] as number) * 1000));
      const overlapping = events.filter((event) => event.toNs >= dueNs - 5_000_000n && event.fromNs <= answerNs);
      for (const kind of new Set(overlapping.map((event) => event.kind))) near[kind] = (near[kind] ?? 0) + 1;
      const due = result.dueMicros[index] as number;
      if (lines.length < 12 && listedDue.every((other) => Math.abs(other - due) > 20_000)) {
        listedDue.push(due);
        // Connection events counted with their first time; spans (gaps, collections) listed.
        const counted = new Map<string, { count: number; firstMs: number }>();
        const spans: string[] = [];
        for (const event of overlapping) {
          const at = ms(event.fromNs - dueNs);
          if (event.toNs === event.fromNs) {
            const entry = counted.get(event.kind) ?? { count: 0, firstMs: at };
            entry.count += 1;
            counted.set(event.kind, entry);
          } else spans.push(`${event.kind} ${at.toFixed(1)}..${ms(event.toNs - dueNs).toFixed(1)}${event.detail ? ` (${event.detail})` : ''}`);
        }
        const what = [...[...counted].map(([kind, { count, firstMs }]) => `${kind} ×${count} from ${firstMs.toFixed(1)}`), ...spans.slice(0, 6)].join(', ');
        lines.push(
          `  ${((result.latencyMicros[index] as number) / 1000).toFixed(1)} ms at ${((result.dueMicros[index] as number) / 1e6).toFixed(3)} s: ${what || '-'}`,
        );
      }
    }
    log(`  ${slow.length} requests over p99; with a timeline event near: ${JSON.stringify(near)}`);
    for (const line of lines) log(line);
  }
} finally {
  await target.stop();
  await simulator.process.stop();
  await rm(directory, { recursive: true, force: true });
}
