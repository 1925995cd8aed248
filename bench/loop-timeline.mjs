// Loaded into a data plane by `npm run bench:swap -- --timeline` (node --import, before tsx registers, so
// plain JavaScript): writes to stdout, on CLOCK_MONOTONIC (process.hrtime, the clock of the probe's and
// the harness's timestamps), each gap of 3 ms or more between turns of the main thread's event loop (a
// 1 ms timer) with the main thread's CPU in it (its schedstat) and the CPU time the hypervisor took from
// the loop's CPU meanwhile (its steal in /proc/stat), and each garbage collection of 1 ms or more
// (perf_hooks), so the harness can set them beside the probe's slowest requests; and every 100 turns the
// main thread's CPU so far, so the harness can tell what the swap adds to the loop's own CPU. Steal is counted here
// because on this VM a stolen stretch is charged to whichever thread was running: gaps of about 100 ms
// "holding" 80-100 ms of the main thread's CPU were ones in which no thread of the process ran (a CPU
// profile of each thread got no sample in the same 100-108 ms, in the baseline as in the swap).
// Diagnostic only: the timer adds a thousand turns a second to the loop. The /proc files are opened once
// and read again from offset 0 (pread): a readFileSync (open, fstat, read, close) of the schedstat every
// turn cost 37 µs against 4 µs, and /proc/stat's 0.5 ms against 0.07 ms, so about 5 % of the loop's CPU
// at a thousand turns a second, in turns of up to 1 ms under load (the loop's own CPU profile).
// Also each upstream connection undici opens (`timeline upstream connecting|connected <ns> <port>`) and
// its end: the peer's FIN (`end`) and the socket's close (`close`), for bench/measure-upstream-churn.ts;
// lines with one timestamp, so the swap harness's two-timestamp pattern skips them.
// With LOOP_TIMELINE_FILE set, the lines go to that file instead of stdout (a data plane's access log
// would crowd them out of the harness's stdout buffer).
import { subscribe } from 'node:diagnostics_channel';
import { createWriteStream, openSync, readSync } from 'node:fs';
import { PerformanceObserver, performance } from 'node:perf_hooks';

const GAP_NS = 3_000_000n;
const out = process.env.LOOP_TIMELINE_FILE ? createWriteStream(process.env.LOOP_TIMELINE_FILE) : process.stdout;
const GC_KINDS = { 1: 'scavenge', 2: 'mark-compact', 4: 'incremental', 8: 'weak-callbacks' };
const buffer = Buffer.alloc(16_384);
/** A /proc file's text, read again from its start through a descriptor kept open. */
const procFile = (path) => {
  const fd = openSync(path, 'r');
  return () => buffer.toString('latin1', 0, readSync(fd, buffer, 0, buffer.length, 0));
};
const schedstat = procFile(`/proc/self/task/${process.pid}/schedstat`);
const threadCpuNs = () => BigInt(schedstat().split(' ')[0]);
/** performance.now() (ms since the time origin) to CLOCK_MONOTONIC ns. */
const originNs = process.hrtime.bigint() - BigInt(Math.round(performance.now() * 1e6));
const monotonicNs = (milliseconds) => originNs + BigInt(Math.round(milliseconds * 1e6));

/** The CPU this thread runs on (field 39 of its stat; the data plane is pinned to one) and that CPU's steal in ns (/proc/stat, in 10 ms ticks). */
const stat = procFile(`/proc/self/task/${process.pid}/stat`);
const procStat = procFile('/proc/stat');
const stealNs = () => {
  const cpu = stat().split(') ')[1].split(' ')[36];
  const line = procStat()
    .split('\n')
    .find((row) => row.startsWith(`cpu${cpu} `));
  return BigInt(line.split(' ')[8]) * 10_000_000n;
};
/** Steal is read every STEAL_EVERY turns (about 10 ms, its resolution) and after each gap, not every turn. */
const STEAL_EVERY = 10;

/** The main thread's CPU so far is written every CPU_EVERY turns (about 100 ms), for its rate in the baseline and in the swap. */
const CPU_EVERY = 100;

let lastNs = process.hrtime.bigint();
let lastCpuNs = threadCpuNs();
let lastStealNs = stealNs();
let turns = 0;
setInterval(() => {
  const now = process.hrtime.bigint();
  const cpu = threadCpuNs();
  if (turns % CPU_EVERY === 0) out.write(`timeline cpu ${now} ${cpu}\n`);
  const gap = now - lastNs >= GAP_NS;
  if (gap || ++turns % STEAL_EVERY === 0) {
    const steal = stealNs();
    // The steal since the last reading, up to 10 ms before the gap began.
    if (gap) out.write(`timeline gap ${lastNs} ${now} cpu ${cpu - lastCpuNs} steal ${steal - lastStealNs}\n`);
    lastStealNs = steal;
  }
  lastNs = now;
  lastCpuNs = cpu;
}, 1).unref();

new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if (entry.duration < 1) continue;
    const start = monotonicNs(entry.startTime);
    const kind = GC_KINDS[entry.detail?.kind ?? entry.kind] ?? 'gc';
    out.write(`timeline ${kind} ${start} ${start + BigInt(Math.round(entry.duration * 1e6))}\n`);
  }
}).observe({ entryTypes: ['gc'] });

subscribe('undici:client:beforeConnect', ({ connectParams }) => out.write(`timeline upstream connecting ${process.hrtime.bigint()} ${connectParams.port}\n`));
subscribe('undici:client:connected', ({ connectParams, socket }) => {
  out.write(`timeline upstream connected ${process.hrtime.bigint()} ${connectParams.port}\n`);
  socket.once('end', () => out.write(`timeline upstream end ${process.hrtime.bigint()} ${connectParams.port}\n`));
  socket.once('close', () => out.write(`timeline upstream close ${process.hrtime.bigint()} ${connectParams.port}\n`));
});
