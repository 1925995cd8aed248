// CPU time and resident memory of a process and its descendants (nginx: master + worker), read from
// /proc: utime + stime from /proc/<pid>/stat in clock ticks, VmRSS and VmHWM from /proc/<pid>/status;
// and, to the nanosecond, the run time of each of their threads from /proc/<pid>/task/<tid>/schedstat.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

export interface UsageSample {
  atMs: number;
  cpuSeconds: number;
  rssBytes: number;
  /** Peak RSS of each process, summed. */
  peakRssBytes: number;
}

function readStat(pid: number): { parent: number; ticks: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // Fields after the command name (which may hold spaces) start after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { parent: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return null;
  }
}

function statusKilobytes(pid: number, field: string): number {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

export function processTree(rootPid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat === null) continue;
    const siblings = children.get(stat.parent) ?? [];
    siblings.push(Number(entry));
    children.set(stat.parent, siblings);
  }
  const tree: number[] = [];
  const queue = [rootPid];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    tree.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return tree;
}

/** The parent of a live process, or null once it is gone. */
export function parentOf(pid: number): number | null {
  return readStat(pid)?.parent ?? null;
}

/** The first process of `rootPid`'s tree with `argument` (a script's path) in its command line, or null. */
export function findInTree(rootPid: number, argument: string): number | null {
  for (const pid of processTree(rootPid)) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').includes(argument)) return pid;
    } catch {
      // It exited between the listing and the read.
    }
  }
  return null;
}

export function sampleUsage(rootPid: number): UsageSample {
  let ticks = 0;
  let rssKilobytes = 0;
  let peakKilobytes = 0;
  for (const pid of processTree(rootPid)) {
    ticks += readStat(pid)?.ticks ?? 0;
    rssKilobytes += statusKilobytes(pid, 'VmRSS');
    peakKilobytes += statusKilobytes(pid, 'VmHWM');
  }
  return { atMs: performance.now(), cpuSeconds: ticks / TICKS_PER_SECOND, rssBytes: rssKilobytes * 1024, peakRssBytes: peakKilobytes * 1024 };
}

/** CPU use between two samples, in percent of one core. */
export function cpuPercent(before: UsageSample, after: UsageSample): number {
  const wallSeconds = (after.atMs - before.atMs) / 1000;
  return wallSeconds > 0 ? (100 * (after.cpuSeconds - before.cpuSeconds)) / wallSeconds : 0;
}

/**
 * CPU time of a process and its descendants in nanoseconds: the scheduler's run time of each live thread
 * (a tick is 10 ms, too coarse for a round of a second of CPU). Threads that ended are not counted.
 */
export function cpuNanoseconds(rootPid: number): number {
  let total = 0;
  for (const pid of processTree(rootPid)) {
    let threads: string[];
    try {
      threads = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const thread of threads) {
      try {
        total += Number(readFileSync(`/proc/${pid}/task/${thread}/schedstat`, 'latin1').split(' ')[0]);
      } catch {
        // The thread ended between the listing and the read.
      }
    }
  }
  return total;
}
