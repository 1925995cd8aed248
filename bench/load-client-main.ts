// Child-process entry of the load clients, so the harness can pin load to its own CPU:
// `node --import tsx bench/load-client-main.ts '<LoadJob as JSON>'`. An open-loop run prints its
// result as one JSON line and exits. An open-streams run prints one JSON line once its streams are
// open, holds them until a line arrives on stdin, then prints the summary again and exits.
import { runOpenLoop, type OpenLoopPlan } from './open-loop-load.ts';
import { openStreams, type OpenStreamsPlan } from './open-streams-load.ts';

export type LoadJob = { kind: 'open-loop'; plan: OpenLoopPlan } | { kind: 'open-streams'; plan: OpenStreamsPlan };

const job = JSON.parse(process.argv[2] ?? '{}') as LoadJob;
if (job.kind === 'open-loop') {
  process.stdout.write(`${JSON.stringify(await runOpenLoop(job.plan))}\n`);
  process.exit(0);
} else {
  const hold = await openStreams(job.plan);
  process.stdout.write(`${JSON.stringify(hold.summary())}\n`);
  process.stdin.once('data', () => {
    const summary = hold.summary();
    hold.close();
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    process.exit(0);
  });
}
