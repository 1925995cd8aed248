// npm start's control plane is batch work (usage ingest into the embedded database, most of it) next to
// a data plane whose event loop is latency-critical, on the same cores. Its threads get a higher nice
// value, so when both want a core the scheduler gives it to the data plane (and to the clients and
// upstream sharing the machine) first. On Linux a nice value belongs to a thread, not to a process:
// every thread this process has is lowered (PGlite runs on the main thread; V8's and libuv's threads
// too), and a thread started later inherits the value of the thread that starts it. So does a child
// process, from the thread that forks it: npm start calls this once its data plane child is spawned.
import { readdirSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

const DEFAULT_CONTROL_PLANE_NICE = 10;

/** CONTROL_PLANE_NICE's value: a whole number from 0 (the data plane's own priority) to 19. */
export function parseNiceIncrement(text: string | undefined): number {
  if (text === undefined || text === '') return DEFAULT_CONTROL_PLANE_NICE;
  const increment = Number(text);
  if (!Number.isInteger(increment) || increment < 0 || increment > 19) {
    throw new Error(`CONTROL_PLANE_NICE must be a whole number from 0 to 19 (got ${text})`);
  }
  return increment;
}

/**
 * Adds `increment` to the nice value of every thread of this process (at most 19), as `nice -n` does
 * to a command. Returns the value set, or null where the system refused it (everything then runs at one
 * priority, as before).
 */
export function lowerThisProcess(increment: number): number | null {
  const nice = Math.min(19, getPriority() + increment);
  let threads: number[];
  try {
    threads = readdirSync('/proc/self/task').map(Number);
  } catch {
    // No /proc (macOS, Windows): there the priority is the process's, set for all its threads at once.
    threads = [process.pid];
  }
  for (const thread of threads) {
    try {
      setPriority(thread, nice);
    } catch (error) {
      // A thread that ended since the listing is no reason to stop; a refusal is.
      if ((error as { info?: { code?: string } }).info?.code !== 'ESRCH') return null;
    }
  }
  return nice;
}
