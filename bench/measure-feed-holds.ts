// The snapshot feed thread's holds of a shared core, without a data plane or a probe: a worker thread set
// up as the feed's (snapshot-feed-worker.ts: SCHED_IDLE, nice 19) takes in the bench's 100k-key delta as
// the feed does (parseSnapshotMessage, then the keys merged, then the keys' JSON for the state file) while
// this process's main thread, on the same CPU, plays the request loop at 200 req/s (a 0.75 ms busy
// stretch every 5 ms, about the loop's CPU in bench:swap). A scheduler trace (sched-waits.ts) tells how
// long the main thread waited for its CPU behind the feed thread, and with --samples the feed thread's
// stacks (perf, every 0.1 ms) name what it ran in each wait of 1 ms or more behind it (the innermost
// frames that are not V8's generic ones). Load on the machine adds waits behind other processes, not
// behind the feed thread, which is the figure to read.
//
// The summary counts the main thread's waits of 1 and 2 ms or more behind the feed thread, and those
// waits in all, per second of the feed thread's CPU (its schedstat), which the machine's load changes
// less than it changes the runs' length. For a checkout at --root whose feed thread gives way to the
// loop in its loops over entries and checks a message on the JWS's bytes (give-way.ts and
// verify-jws-bytes.ts, tried on branch swap-giveway, 5b5499e, not landed: see docs/architecture.md,
// Scale), runs alternate between that and neither, in one process; --no-give-way: never. --slice=MS: runs
// alternate between the main thread with a scheduler slice of MS ms (EEVDF custom slice, Linux 6.12+,
// setThreadSlice) and the kernel's default, with no give way.
//
//   taskset -c 0 node --import tsx bench/measure-feed-holds.ts [--runs=4] [--keys=100000] [--samples] [--keep-samples] [--no-give-way] [--slice=MS] [--root=DIR]
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { benchSnapshotState, withExtraKeys } from './bench-snapshot.ts';
import { option } from './command-line-option.ts';
import { formatWaits, longWaits, startSchedTrace, threadsOf } from './sched-waits.ts';
import type * as Crypto from '../shared/src/crypto.ts';
import type * as Snapshot from '../shared/src/snapshot.ts';

const args = process.argv.slice(2);
const runs = Number(option(args, 'runs') ?? 4);
const keys = Number(option(args, 'keys') ?? 100_000);
const root = resolve(option(args, 'root') ?? '.');
const withSamples = args.includes('--samples');
const sliceMs = option(args, 'slice');
const giveWayAtAll = sliceMs === undefined && !args.includes('--no-give-way');
const load = <Module>(path: string) => import(pathToFileURL(join(root, path)).href) as Promise<Module>;
const crypto = await load<typeof Crypto>('shared/src/crypto.ts');
const snapshot = await load<typeof Snapshot>('shared/src/snapshot.ts');

const signingKeys = await crypto.generateSnapshotSigningKeys();
const signer = await crypto.createSnapshotSigner(signingKeys.privateJwk);
const before = benchSnapshotState('http://127.0.0.1:9/v1');
const after = withExtraKeys(before, keys);
const jws = await signer.sign({
  kind: 'delta',
  fromVersion: 1,
  version: 2,
  stateHash: snapshot.hashSnapshotState(after),
  changes: snapshot.diffSnapshotStates(before, after),
});
const jwsBytes = new Uint8Array(new SharedArrayBuffer(jws.length));
jwsBytes.set(Buffer.from(jws, 'latin1'));

// The feed's work, as snapshot-feed-worker.ts does it, at its priority.
const workerSource = `
import('tsx/esm/api').then(async ({ register }) => {
  register();
  const { parentPort, workerData } = await import('node:worker_threads');
  const { readlinkSync } = await import('node:fs');
  const load = (path) => import(new URL(path, workerData.root + '/').href);
  const { createSnapshotVerifier } = await load('shared/src/crypto.ts');
  const { parseSnapshotMessage } = await load('data-plane/src/snapshot/parse-snapshot-message.ts');
  const { mergeKeysAtOnce } = await load('data-plane/src/snapshot/merge-keys.ts');
  const { keysJsonPieces } = await load('data-plane/src/snapshot/held-state.ts');
  const { PackedSection } = await load('data-plane/src/snapshot/packed-section.ts');
  const priority = await load('data-plane/src/snapshot/feed-thread-priority.ts').catch(() => null);
  if (priority !== null) priority.lowerThisThread();
  else {
    const { setPriority } = await import('node:os');
    const { spawnSync } = await import('node:child_process');
    setPriority(19);
    spawnSync('chrt', ['--idle', '--pid', '0', readlinkSync('/proc/thread-self').split('/').at(-1)], { stdio: 'ignore' });
  }
  const giveWay = workerData.giveWay ? await load('data-plane/src/snapshot/give-way.ts').catch(() => null) : null;
  const verifier = await createSnapshotVerifier(workerData.publicJwk, { onThisThread: true });
  const { sharedUtf8 } = await load('data-plane/src/snapshot/shared-bytes.ts');
  const bytesVerifier = await load('data-plane/src/snapshot/verify-jws-bytes.ts').then(({ createBytesVerifier }) => createBytesVerifier(workerData.publicJwk), () => null);
  const held = PackedSection.fromRecord(workerData.heldKeys).portable();
  parentPort.postMessage({ tid: Number(readlinkSync('/proc/thread-self').split('/').at(-1)) });
  const { PerformanceObserver } = await import('node:perf_hooks');
  let pauses = [];
  new PerformanceObserver((list) => pauses.push(...list.getEntries().map((entry) => entry.duration))).observe({ entryTypes: ['gc'] });
  parentPort.on('message', async ({ giveWayOn }) => {
    pauses = [];
    if (giveWay !== null) {
      if (giveWayOn) giveWay.watchLoop(process.pid);
      else giveWay.stopWatching();
      giveWay.giveWayCounts.looks = 0;
      giveWay.giveWayCounts.sleeps = 0;
    }
    const jws = Buffer.from(workerData.jwsBytes).toString('latin1');
    const marks = [['start', process.hrtime.bigint()]];
    // As snapshot-feed-worker.ts: the message checked, and its bytes made for the request loop.
    let parsed;
    if (giveWayOn && bytesVerifier !== null) {
      const bytes = bytesVerifier.bytesOf(jws);
      parsed = await parseSnapshotMessage({ verify: async (text) => bytesVerifier.verify(text, bytes) }, jws);
    } else {
      // As the feed does: a checkout whose verifier takes the JWS's bytes (crypto.ts) is given the bytes it
      // makes for the request loop; one before that (its verify splits a string, so it throws at once) the text.
      const bytes = sharedUtf8(jws);
      parsed = await parseSnapshotMessage(verifier, bytes).catch(() => parseSnapshotMessage(verifier, jws));
    }
    marks.push(['parsed', process.hrtime.bigint()]);
    const merged = mergeKeysAtOnce(held, parsed.apiKeys, [parsed.upsertedLanes]);
    marks.push(['merged', process.hrtime.bigint()]);
    keysJsonPieces({ packed: merged.packed, changes: [] });
    marks.push(['keys-json', process.hrtime.bigint()]);
    // The GC entries of the last steps are delivered on a later turn.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const gc = { over1: pauses.filter((ms) => ms >= 1).length, over2: pauses.filter((ms) => ms >= 2).length, maxMs: Math.max(0, ...pauses), totalMs: pauses.reduce((sum, ms) => sum + ms, 0) };
    parentPort.postMessage({ marks: marks.map(([name, at]) => [name, Number(at)]), giveWay: giveWay?.giveWayCounts ?? null, gc });
  });
});`;
const young = option(args, 'young');
const worker = new Worker(workerSource, {
  eval: true,
  ...(young === undefined ? {} : { resourceLimits: { maxYoungGenerationSizeMb: Number(young) } }),
  workerData: { root: pathToFileURL(root).href, jwsBytes, publicJwk: signingKeys.publicJwk, heldKeys: before.apiKeys, giveWay: true },
});
const [{ tid: feedTid }] = (await once(worker, 'message')) as [{ tid: number }];
const cpu = Number(
  spawnSync('taskset', ['-pc', String(process.pid)], { encoding: 'utf8' })
    .stdout.trim()
    .split(': ')
    .at(-1),
);
if (!Number.isInteger(cpu)) throw new Error('run this under taskset -c <one CPU>');

/** 200 req/s of 0.75 ms each: the request loop's CPU in bench:swap's baseline (about 150 ms a second). */
function playLoop(): () => void {
  let running = true;
  const stretch = () => {
    if (!running) return;
    const until = process.hrtime.bigint() + 750_000n;
    while (process.hrtime.bigint() < until);
    setTimeout(stretch, 5);
  };
  setTimeout(stretch, 5);
  return () => (running = false);
}

const ms = (ns: number) => (ns / 1e6).toFixed(0);
const summaries: string[] = [];
const totals: Record<string, { runs: number; feedCpuS: number; over1: number; over2: number; behindMs: number }> = {};
for (let run = 0; run < runs; run++) {
  const tracePath = join(tmpdir(), `feed-holds-${process.pid}.data`);
  const samplesPath = join(tmpdir(), `feed-holds-samples-${process.pid}.data`);
  const trace = startSchedTrace(tracePath);
  const sampler = withSamples
    ? spawn('perf', ['record', '-q', '-k', 'mono', '-e', 'cpu-clock', '-c', '100000', '-g', '-t', String(feedTid), '-o', samplesPath], { stdio: 'ignore' })
    : null;
  await new Promise((done) => setTimeout(done, 500));
  const stop = playLoop();
  const startedNs = Number(process.hrtime.bigint());
  const giveWayOn = run % 2 === 0 && giveWayAtAll;
  const sliceOn = run % 2 === 0 && sliceMs !== undefined;
  if (sliceMs !== undefined) {
    const refused = setThreadSlice(process.pid, sliceOn ? Number(sliceMs) * 1e6 : 0);
    if (refused !== null) throw new Error(`the main thread's slice: ${refused}`);
  }
  const slice = /se\.slice\s*:\s*(\d+)/.exec(readFileSync(`/proc/self/task/${process.pid}/sched`, 'utf8'))?.[1];
  const feedCpuNs = () => Number(readFileSync(`/proc/self/task/${feedTid}/schedstat`, 'utf8').split(' ')[0]);
  const feedCpuBefore = feedCpuNs();
  worker.postMessage({ giveWayOn });
  const [{ marks, giveWay, gc }] = (await once(worker, 'message')) as [
    { marks: Array<[string, number]>; giveWay: { looks: number; sleeps: number } | null; gc: { over1: number; over2: number; maxMs: number; totalMs: number } },
  ];
  const endNs = Number(process.hrtime.bigint());
  stop();
  const feedCpuS = (feedCpuNs() - feedCpuBefore) / 1e9;
  if (sampler !== null) {
    sampler.kill('SIGINT');
    await once(sampler, 'exit');
  }
  const phases = marks.slice(1).map(([name, at], index) => [name, marks[index]![1], at] as const);
  const watched = {
    thread: process.pid,
    cpu,
    groups: [
      ['feed thread', new Set([feedTid])],
      ['own threads', threadsOf(process.pid)],
    ] as const,
  };
  const [summary] = await trace.summarise([watched], [[startedNs, endNs]]);
  const long = await longWaits(tracePath, watched, [startedNs, endNs], 'feed thread', 1);
  await trace.stop();
  const side =
    sliceMs !== undefined
      ? `main thread slice ${slice === undefined ? '?' : `${Number(slice) / 1e6} ms`}`
      : giveWay === null
        ? 'as is'
        : giveWayOn
          ? 'giving way, checked on bytes'
          : 'neither';
  const sideTotals = (totals[side] ??= { runs: 0, feedCpuS: 0, over1: 0, over2: 0, behindMs: 0 });
  sideTotals.runs++;
  sideTotals.feedCpuS += feedCpuS;
  sideTotals.over1 += long.length;
  sideTotals.over2 += long.filter((wait) => wait.behind >= 2).length;
  sideTotals.behindMs += summary![0]!.totalMs['feed thread']!;
  const line = `run ${run + 1} (${side}): feed thread CPU ${feedCpuS.toFixed(2)} s, waits of 1 ms or more behind it ${long.length} (2 ms or more ${long.filter((wait) => wait.behind >= 2).length}); its GC pauses (wall) of 1 ms or more ${gc.over1} (2 ms or more ${gc.over2}, longest ${gc.maxMs.toFixed(1)} ms, all pauses ${gc.totalMs.toFixed(0)} ms); ${phases.map(([name, from, to]) => `${name} ${ms(to - from)} ms`).join(', ')}; main thread: ${formatWaits(summary![0]!)}; feed thread gave way ${giveWay === null ? 'never (off)' : `${giveWay.sleeps} times in ${giveWay.looks} looks (so far)`}; load ${loadavg()[0]!.toFixed(2)}`;
  summaries.push(line);
  process.stdout.write(`${line}\n`);
  const phaseAt = (atNs: number) => phases.find(([, from, to]) => atNs >= from && atNs < to)?.[0] ?? 'between';
  const holds = long.map((wait) => ({ ...wait, phase: phaseAt(wait.atNs) }));
  const stacks = sampler === null ? null : await stacksIn(samplesPath, holds);
  for (const [index, hold] of holds.entries()) {
    process.stdout.write(
      `  wait at ${ms(hold.atNs - startedNs)} ms (${hold.phase}, ${hold.preempted ? 'preempted' : 'woken'}): ${hold.ms.toFixed(2)} ms, ${hold.behind.toFixed(2)} behind the feed thread${stacks === null ? '' : `; ${stacks[index]}`}\n`,
    );
  }
  // --keep-samples: the last run's samples stay, for perf report.
  if (args.includes('--keep-samples')) process.stdout.write(`samples in ${samplesPath}\n`);
  else rmSync(samplesPath, { force: true });
}
await worker.terminate();
process.stdout.write(`${summaries.join('\n')}\n`);
for (const [side, total] of Object.entries(totals)) {
  const perCpuSecond = (count: number) => (count / total.feedCpuS).toFixed(2);
  process.stdout.write(
    `${side}: ${total.runs} runs, feed thread CPU ${total.feedCpuS.toFixed(2)} s; per second of it, the main thread's waits behind it of 1 ms or more ${perCpuSecond(total.over1)}, of 2 ms or more ${perCpuSecond(total.over2)}, in all ${perCpuSecond(total.behindMs)} ms\n`,
  );
}
process.stdout.write(
  `load ${loadavg()
    .map((value) => value.toFixed(2))
    .join(' ')}\n`,
);

/**
 * Sets thread `tid`'s scheduler slice (0: the kernel's default), SCHED_OTHER at its nice value; the error's
 * text, or null. Node has no call for sched_setattr (x86_64: 314), so perl makes it. struct sched_attr: u32
 * size, u32 policy, u64 flags, s32 nice, u32 priority, u64 runtime (the slice), deadline, period, u32
 * util_min, util_max (56 bytes).
 */
function setThreadSlice(tid: number, sliceNs: number): string | null {
  const script = `my ($tid, $ns) = @ARGV; my $nice = getpriority(0, $tid);
syscall(314, $tid, pack('LLQlLQQQLL', 56, 0, 0, $nice, 0, $ns, 0, 0, 0, 0), 0) == 0 or die "$!\\n";`;
  const result = spawnSync('perl', ['-e', script, String(tid), String(Math.round(sliceNs))], { encoding: 'utf8' });
  return result.status === 0 ? null : result.stderr.trim() || String(result.error ?? `perl exited ${result.status}`);
}

/** Per wait, the feed thread's innermost interesting frames in the samples taken during it, counted. */
async function stacksIn(path: string, waits: ReadonlyArray<{ atNs: number; ms: number }>): Promise<string[]> {
  const script = spawn('perf', ['script', '-i', path, '-F', 'time,ip,sym'], { stdio: ['ignore', 'pipe', 'ignore'] });
  let text = '';
  script.stdout!.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  await once(script, 'exit');
  const samples = text.split('\n\n').flatMap((block) => {
    const lines = block.trim().split('\n');
    const at = /(\d+\.\d+):/.exec(lines[0] ?? '')?.[1];
    if (at === undefined) return [];
    const frames = lines.slice(1).map((line) =>
      line
        .trim()
        .split(/\s+/)
        .slice(1)
        .join(' ')
        .replace(/\+0x[0-9a-f]+$/, ''),
    );
    // The innermost frame that says what the thread was doing (not a generic builtin or memcpy).
    const telling =
      frames.find((frame) => !/^(\[unknown\]|Builtins_|__memmove|__memcpy|v8::internal::(Heap|Factory)::Allocate)/.test(frame)) ?? frames[0] ?? '?';
    return [{ atNs: Number(at) * 1e9, frame: telling.slice(0, 80) }];
  });
  return waits.map((wait) => {
    const counts = new Map<string, number>();
    for (const sample of samples)
      if (sample.atNs >= wait.atNs && sample.atNs < wait.atNs + wait.ms * 1e6) counts.set(sample.frame, (counts.get(sample.frame) ?? 0) + 1);
    return (
      [...counts]
        .sort((one, other) => other[1] - one[1])
        .slice(0, 3)
        .map(([frame, count]) => `${count}x ${frame}`)
        .join(' | ') || 'no samples'
    );
  });
}
