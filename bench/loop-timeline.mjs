// Loaded into a data plane by `npm run bench:swap -- --timeline` (node --import, before tsx registers, so
// plain JavaScript): writes to stdout, on CLOCK_MONOTONIC (process.hrtime, the clock of the probe's and
// the harness's timestamps), each gap of 3 ms or more between turns of the main thread's event loop (a
// 1 ms timer) with the main thread's CPU in it (its schedstat), and each garbage collection of 1 ms or
// more (perf_hooks), so the harness can set them beside the probe's slowest requests. Diagnostic only:
// the timer adds a thousand turns a second to the loop.
import { readFileSync } from 'node:fs';
import { PerformanceObserver, performance } from 'node:perf_hooks';

const GAP_NS = 3_000_000n;
const GC_KINDS = { 1: 'scavenge', 2: 'mark-compact', 4: 'incremental', 8: 'weak-callbacks' };
const schedstat = `/proc/self/task/${process.pid}/schedstat`;
const threadCpuNs = () => BigInt(readFileSync(schedstat, 'latin1').split(' ')[0]);
/** performance.now() (ms since the time origin) to CLOCK_MONOTONIC ns. */
const originNs = process.hrtime.bigint() - BigInt(Math.round(performance.now() * 1e6));
const monotonicNs = (milliseconds) => originNs + BigInt(Math.round(milliseconds * 1e6));

let lastNs = process.hrtime.bigint();
let lastCpuNs = threadCpuNs();
setInterval(() => {
  const now = process.hrtime.bigint();
  const cpu = threadCpuNs();
  if (now - lastNs >= GAP_NS) {
    process.stdout.write(`timeline gap ${lastNs} ${now} cpu ${cpu - lastCpuNs}\n`);
  }
  lastNs = now;
  lastCpuNs = cpu;
}, 1).unref();

new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if (entry.duration < 1) continue;
    const start = monotonicNs(entry.startTime);
    const kind = GC_KINDS[entry.detail?.kind ?? entry.kind] ?? 'gc';
    process.stdout.write(`timeline ${kind} ${start} ${start + BigInt(Math.round(entry.duration * 1e6))}\n`);
  }
}).observe({ entryTypes: ['gc'] });
