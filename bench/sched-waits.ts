// Where a thread waited for its CPU (bench:swap --sched: a data plane's request loop, the probe's client):
// a scheduler trace (perf record of sched_wakeup and sched_switch, timestamps on CLOCK_MONOTONIC like
// process.hrtime; every CPU, since a wakeup is recorded on the CPU of the thread that wakes, often
// not the woken one's), read per wakeup (or preemption) of the thread: the time until it ran again,
// split by whoever ran on its CPU meanwhile (named groups of threads, e.g. the data plane's feed thread
// and its other threads; the rest are other processes). Splitting matters: the thread that ran just
// before is often not the one that held the CPU for most of the wait. Needs perf and permission to
// trace (root, or perf_event_paranoid ≤ 1).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { createInterface } from 'node:readline';

/** A thread whose waits are read, on the CPU it is pinned to, and the groups of threads named as holders. */
export interface WatchedThread {
  thread: number;
  cpu: number;
  /** The first group holding a thread names it; any other thread counts as "other processes". */
  groups: ReadonlyArray<readonly [string, ReadonlySet<number>]>;
}

export interface WaitSummary {
  /** The thread's waits for its CPU: after a wakeup, or after being preempted. */
  waits: number;
  p99Ms: number;
  maxMs: number;
  /** The waits summed, by who held the CPU meanwhile. */
  totalMs: Record<string, number>;
  /** The longest wait, by who held the CPU meanwhile. */
  worst: Record<string, number>;
  /** Per holder, the most of any one wait it held the CPU. */
  longestBehind: Record<string, number>;
  /** The same among the waits that began with a preemption, not a wakeup. */
  longestBehindAfterPreemption: Record<string, number>;
}

/** A process's threads, read while it runs. */
export function threadsOf(pid: number): Set<number> {
  return new Set(readdirSync(`/proc/${pid}/task`).map(Number));
}

/** The snapshot feed's worker thread of a data plane: the one at nice 19 (snapshot-feed-worker.ts). */
export function feedThreadOf(pid: number): number | null {
  for (const tid of threadsOf(pid)) {
    try {
      // proc(5): field 19 is the nice value; fields from 3 on follow the ") " closing the command name.
      if (readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ')[16] === '19') return tid;
    } catch {
      // The thread ended meanwhile.
    }
  }
  return null;
}

export interface SchedTrace {
  /** Stops the trace and reads it: per watched thread, per window [fromNs, toNs) of CLOCK_MONOTONIC, its waits. */
  summarise(watched: readonly WatchedThread[], windows: ReadonlyArray<readonly [number, number]>): Promise<WaitSummary[][]>;
  /** Stops the trace and removes its file (after summarise, or instead of it). */
  stop(): Promise<void>;
}

export function startSchedTrace(path: string): SchedTrace {
  const perf: ChildProcess = spawn('perf', ['record', '-q', '-k', 'mono', '-e', 'sched:sched_switch', '-e', 'sched:sched_wakeup', '-a', '-o', path], {
    stdio: 'ignore',
  });
  const exited = once(perf, 'exit');
  const stop = async () => {
    if (perf.exitCode === null && perf.signalCode === null) perf.kill('SIGINT');
    await exited;
  };
  return {
    async summarise(watched, windows) {
      await stop();
      return Promise.all(watched.map((thread) => readWaits(path, thread, windows)));
    },
    async stop() {
      await stop();
      rmSync(path, { force: true });
    },
  };
}

interface Wait {
  atNs: number;
  ms: number;
  by: Record<string, number>;
  preempted: boolean;
}

/** Each wait of the thread for its CPU in the trace, split by holder. */
async function allWaits(path: string, watched: WatchedThread): Promise<Wait[]> {
  const names = [...watched.groups.map(([name]) => name), 'other processes'];
  const emptyHolders = (): Record<string, number> => Object.fromEntries(names.map((name) => [name, 0]));
  const holder = (tid: number): string | null => (tid === 0 ? null : (watched.groups.find(([, tids]) => tids.has(tid))?.[0] ?? 'other processes'));
  const waits: Wait[] = [];
  let woke: number | null = null;
  let preempted = false;
  let by = emptyHolders();
  /** When the thread now on the CPU started running. */
  let since: number | null = null;
  const script = spawn('perf', ['script', '-i', path, '-F', 'tid,cpu,time,event,trace'], { stdio: ['ignore', 'pipe', 'ignore'] });
  for await (const line of createInterface({ input: script.stdout! })) {
    const event = /\[(\d+)\] +(\d+\.\d+): +sched:(sched_wakeup|sched_switch): (.*)/.exec(line);
    if (event === null) continue;
    const [, onCpu, time, kind, fields] = event as unknown as [string, string, string, string, string];
    const atNs = Number(time) * 1e9;
    if (kind === 'sched_wakeup') {
      if (woke === null && Number(/ pid=(\d+)/.exec(` ${fields}`)?.[1]) === watched.thread) {
        woke = atNs;
        preempted = false;
        by = emptyHolders();
      }
      continue;
    }
    if (Number(onCpu) !== watched.cpu) continue;
    const prev = Number(/prev_pid=(\d+)/.exec(fields)?.[1]);
    const next = Number(/next_pid=(\d+)/.exec(fields)?.[1]);
    const held = holder(prev);
    if (woke !== null && since !== null && held !== null) by[held] = (by[held] ?? 0) + (atNs - Math.max(since, woke)) / 1e6;
    since = atNs;
    if (next === watched.thread && woke !== null) {
      waits.push({ atNs: woke, ms: (atNs - woke) / 1e6, by, preempted });
      woke = null;
    }
    // Preempted (still runnable): it waits from here, as from a wakeup.
    if (prev === watched.thread) {
      preempted = /prev_state=R/.test(fields);
      woke = preempted ? atNs : null;
      by = emptyHolders();
    }
  }
  return waits;
}

/** The waits that began in [fromNs, toNs) during which `holder` held the CPU at least `minMs`, in order. */
export async function longWaits(
  path: string,
  watched: WatchedThread,
  [fromNs, toNs]: readonly [number, number],
  holder: string,
  minMs: number,
): Promise<Array<{ atNs: number; ms: number; behind: number; preempted: boolean }>> {
  return (await allWaits(path, watched))
    .filter((wait) => wait.atNs >= fromNs && wait.atNs < toNs && (wait.by[holder] ?? 0) >= minMs)
    .map((wait) => ({ atNs: wait.atNs, ms: wait.ms, behind: wait.by[holder]!, preempted: wait.preempted }));
}

async function readWaits(path: string, watched: WatchedThread, windows: ReadonlyArray<readonly [number, number]>): Promise<WaitSummary[]> {
  const names = [...watched.groups.map(([name]) => name), 'other processes'];
  const emptyHolders = (): Record<string, number> => Object.fromEntries(names.map((name) => [name, 0]));
  const waits = await allWaits(path, watched);
  return windows.map(([fromNs, toNs]) => {
    const inWindow = waits.filter((wait) => wait.atNs >= fromNs && wait.atNs < toNs).sort((left, right) => left.ms - right.ms);
    const totalMs = emptyHolders();
    const longestBehind = emptyHolders();
    const longestBehindAfterPreemption = emptyHolders();
    for (const wait of inWindow) {
      for (const name of names) {
        totalMs[name]! += wait.by[name]!;
        longestBehind[name] = Math.max(longestBehind[name]!, wait.by[name]!);
        if (wait.preempted) longestBehindAfterPreemption[name] = Math.max(longestBehindAfterPreemption[name]!, wait.by[name]!);
      }
    }
    const worst = inWindow.at(-1);
    return {
      waits: inWindow.length,
      p99Ms: inWindow[Math.floor(inWindow.length * 0.99)]?.ms ?? Number.NaN,
      maxMs: worst?.ms ?? Number.NaN,
      totalMs,
      worst: worst?.by ?? emptyHolders(),
      longestBehind,
      longestBehindAfterPreemption,
    };
  });
}

/** One line: waits, p99 and longest wait, and by holder the waits' total, the most of one wait, and the longest wait's split. */
export function formatWaits(summary: WaitSummary): string {
  const split = (values: Record<string, number>) =>
    Object.entries(values)
      .map(([name, ms]) => `${name} ${ms.toFixed(1)}`)
      .join(', ');
  return `${summary.waits} waits for its CPU, p99 ${summary.p99Ms.toFixed(2)} ms, longest ${summary.maxMs.toFixed(2)} ms (${split(summary.worst)}); in all behind ${split(summary.totalMs)} ms; most of one wait behind ${split(summary.longestBehind)} ms (of one after a preemption: ${split(summary.longestBehindAfterPreemption)} ms)`;
}
