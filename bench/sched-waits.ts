// Where a data plane's request loop waited for its CPU (bench:swap --sched): a scheduler trace (perf
// record of sched_wakeup and sched_switch, timestamps on CLOCK_MONOTONIC like process.hrtime; every CPU,
// since a wakeup is recorded on the CPU of the thread that wakes the loop, often not the loop's),
// read per wakeup of the loop's thread (or preemption): the time until it ran again, split by whoever ran on
// the CPU meanwhile (the data plane's snapshot feed thread, its other threads: V8's and libuv's, other
// processes). Splitting matters: the thread that ran just before the loop is often not the one that
// held the CPU for most of the wait. Needs perf and permission to trace (root, or perf_event_paranoid ≤ 1).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { createInterface } from 'node:readline';

export type Holder = 'feed thread' | 'own threads' | 'other processes';

/** The data plane's threads as the trace names them: its loop (the process's main thread), its feed thread, the rest. */
export interface TracedThreads {
  loop: number;
  /** The snapshot feed's worker thread: the one at nice 19 (snapshot-feed-worker.ts). */
  feed: number | null;
  all: Set<number>;
}

export interface WaitSummary {
  /** The loop's waits for the CPU: after a wakeup, or after being preempted. */
  waits: number;
  p99Ms: number;
  maxMs: number;
  /** The loop's waits summed, by who held the CPU meanwhile. */
  totalMs: Record<Holder, number>;
  /** The longest wait, by who held the CPU meanwhile. */
  worst: Record<Holder, number>;
}

/** A data plane's threads, read while it runs (before it is stopped). */
export function tracedThreads(pid: number): TracedThreads {
  const all = new Set<number>();
  let feed: number | null = null;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    all.add(Number(tid));
    try {
      // proc(5): field 19 is the nice value; fields from 3 on follow the ") " closing the command name.
      if (readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ')[16] === '19') feed = Number(tid);
    } catch {
      // The thread ended meanwhile.
    }
  }
  return { loop: pid, feed, all };
}

export interface SchedTrace {
  /** Stops the trace and reads it: per window [fromNs, toNs) of CLOCK_MONOTONIC, the loop's waits. */
  summarise(threads: TracedThreads, windows: ReadonlyArray<readonly [number, number]>): Promise<WaitSummary[]>;
  /** Stops the trace and removes its file (after summarise, or instead of it). */
  stop(): Promise<void>;
}

/** `cpu`: the one the data plane is pinned to, whose switches tell who held it. */
export function startSchedTrace(cpu: number, path: string): SchedTrace {
  const perf: ChildProcess = spawn('perf', ['record', '-q', '-k', 'mono', '-e', 'sched:sched_switch', '-e', 'sched:sched_wakeup', '-a', '-o', path], {
    stdio: 'ignore',
  });
  const exited = once(perf, 'exit');
  const stop = async () => {
    if (perf.exitCode === null && perf.signalCode === null) perf.kill('SIGINT');
    await exited;
  };
  return {
    async summarise(threads, windows) {
      await stop();
      return readWaits(path, cpu, threads, windows);
    },
    async stop() {
      await stop();
      rmSync(path, { force: true });
    },
  };
}

const emptyHolders = (): Record<Holder, number> => ({ 'feed thread': 0, 'own threads': 0, 'other processes': 0 });

async function readWaits(path: string, cpu: number, threads: TracedThreads, windows: ReadonlyArray<readonly [number, number]>): Promise<WaitSummary[]> {
  const holder = (tid: number): Holder | null =>
    tid === 0 ? null : tid === threads.feed ? 'feed thread' : threads.all.has(tid) ? 'own threads' : 'other processes';
  const waits: Array<{ atNs: number; ms: number; by: Record<Holder, number> }> = [];
  let woke: number | null = null;
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
      if (woke === null && Number(/ pid=(\d+)/.exec(` ${fields}`)?.[1]) === threads.loop) {
        woke = atNs;
        by = emptyHolders();
      }
      continue;
    }
    if (Number(onCpu) !== cpu) continue;
    const prev = Number(/prev_pid=(\d+)/.exec(fields)?.[1]);
    const next = Number(/next_pid=(\d+)/.exec(fields)?.[1]);
    const held = holder(prev);
    if (woke !== null && since !== null && held !== null) by[held] += (atNs - Math.max(since, woke)) / 1e6;
    since = atNs;
    if (next === threads.loop && woke !== null) {
      waits.push({ atNs: woke, ms: (atNs - woke) / 1e6, by });
      woke = null;
    }
    // Preempted (still runnable): it waits from here, as from a wakeup.
    if (prev === threads.loop) {
      woke = /prev_state=R/.test(fields) ? atNs : null;
      by = emptyHolders();
    }
  }
  return windows.map(([fromNs, toNs]) => {
    const inWindow = waits.filter((wait) => wait.atNs >= fromNs && wait.atNs < toNs).sort((left, right) => left.ms - right.ms);
    const totalMs = emptyHolders();
    for (const wait of inWindow) for (const key of Object.keys(totalMs) as Holder[]) totalMs[key] += wait.by[key];
    const worst = inWindow.at(-1);
    return {
      waits: inWindow.length,
      p99Ms: inWindow[Math.floor(inWindow.length * 0.99)]?.ms ?? Number.NaN,
      maxMs: worst?.ms ?? Number.NaN,
      totalMs,
      worst: worst?.by ?? emptyHolders(),
    };
  });
}

/** One line: waits, p99 and longest wait, and the waits' total and the longest one by holder. */
export function formatWaits(summary: WaitSummary): string {
  const split = (values: Record<Holder, number>) =>
    (Object.entries(values) as Array<[Holder, number]>).map(([key, ms]) => `${key} ${ms.toFixed(1)}`).join(', ');
  return `${summary.waits} waits of the request loop for its CPU, p99 ${summary.p99Ms.toFixed(2)} ms, longest ${summary.maxMs.toFixed(2)} ms (${split(summary.worst)}); waited in all behind: ${split(summary.totalMs)} ms`;
}
