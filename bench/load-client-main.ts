// Child-process entry of the load clients, so the harness can pin load to its own CPU:
// `node --import tsx bench/load-client-main.ts '<LoadJob as JSON>'`. An open-loop run prints `started`
// as its schedule begins (a loaded machine takes seconds to start a process), then its result as one JSON line and exits (a line on stdin ends its schedule early). An open-streams run prints one JSON line once its streams are
// open, holds them until a line arrives on stdin, then prints the summary again and exits.
import { runOpenLoop, type OpenLoopPlan } from './open-loop-load.ts';
import { openStreams, type OpenStreamsPlan } from './open-streams-load.ts';

export type LoadJob = { kind: 'open-loop'; plan: OpenLoopPlan } | { kind: 'open-streams'; plan: OpenStreamsPlan };

const job = JSON.parse(process.argv[2] ?? '{}') as LoadJob;
// stdout is a pipe, written asynchronously: exit only once the line is out.
const writeLine = (value: unknown, then?: () => void) => process.stdout.write(`${JSON.stringify(value)}\n`, then);

if (job.kind === 'open-loop') {
  const stop = new AbortController();
  process.stdin.once('data', () => stop.abort());
  process.stdout.write('started\n');
  writeLine(await runOpenLoop(job.plan, stop.signal), () => process.exit(0));
} else {
  const hold = await openStreams(job.plan);
  writeLine(hold.summary());
  process.stdin.once('data', () => {
    const summary = hold.summary();
    hold.close();
    writeLine(summary, () => process.exit(0));
  });
}
