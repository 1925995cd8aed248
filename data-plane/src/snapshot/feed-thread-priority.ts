// The lowest priority for the calling thread alone (on Linux a nice value and a scheduling policy are per
// thread): the snapshot feed's worker thread (snapshot-feed-worker.ts). A data plane on one core shares it
// with that thread, whose seconds of CPU for a 100k-key snapshot otherwise take the core from the request
// loop for whole scheduler slices. At nice 19 the loop, woken or preempted at a tick, still waited behind
// it until the next tick (4 ms at 250 Hz) in 1-2 % of its busy stretches; SCHED_IDLE is preempted by any
// ordinary thread's wakeup and weighs 3 to nice 19's 15: 0.3-0.5 % (a 100k-key delta parsed beside 3 ms
// stretches of a busy main thread, load 17-19). Node has no call for it, so chrt sets it (util-linux;
// unprivileged since Linux 2.6.39); without chrt the thread stays at nice 19.
import { spawnSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/** The calling thread's id (Linux), or null elsewhere. */
export function thisThreadId(): number | null {
  try {
    return Number(readlinkSync('/proc/thread-self').split('/').at(-1));
  } catch {
    return null;
  }
}

export function lowerThisThread(): void {
  try {
    setPriority(19);
    const thread = thisThreadId();
    if (thread !== null) spawnSync('chrt', ['--idle', '--pid', '0', String(thread)], { stdio: 'ignore', timeout: 5_000 });
  } catch {
    // Not permitted here, or not Linux: the thread runs at the process's priority.
  }
}
