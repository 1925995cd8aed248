// Runs one load job in a child process pinned to the load CPU (see load-client-main.ts).
import type { LoadJob } from './load-client-main.ts';
import type { OpenLoopPlan, OpenLoopResult } from './open-loop-load.ts';
import type { OpenStreamsPlan, OpenStreamsSummary } from './open-streams-load.ts';
import { startPinned } from './pinned-process.ts';
import { REPOSITORY_ROOT } from './targets.ts';

function startClient(job: LoadJob, cpu: number) {
  return startPinned({
    name: `load client (${job.kind})`,
    cpu,
    command: process.execPath,
    args: ['--import', 'tsx', 'bench/load-client-main.ts', JSON.stringify(job)],
    cwd: REPOSITORY_ROOT,
  });
}

export interface RunningOpenLoop {
  /** Resolves when the client's schedule begins. */
  started: Promise<void>;
  result: Promise<OpenLoopResult>;
  /** Ends the schedule now; `result` still waits for the answers. */
  stop(): void;
  /** The client process (its main thread's id). */
  pid: number;
}

export function startOpenLoopClient(plan: OpenLoopPlan, cpu: number): RunningOpenLoop {
  const client = startClient({ kind: 'open-loop', plan }, cpu);
  const result = (async () => {
    const line = await client.waitForLine(/^\{/, plan.warmupMs + plan.durationMs + plan.drainTimeoutMs + 30_000);
    await client.stop();
    return JSON.parse(line) as OpenLoopResult;
  })();
  const started = client.waitForLine(/^started$/, 120_000).then(() => {});
  return { started, result, stop: () => void client.child.stdin?.write('stop\n'), pid: client.pid };
}

/** A steady open loop at `ratePerSecond` for `durationMs`, no warm-up: the measuring scripts' load. */
export function steadyOpenLoop(request: OpenLoopPlan['request'], ratePerSecond: number, durationMs: number): OpenLoopPlan {
  return { request, ratePerSecond, durationMs, warmupMs: 0, maxConnections: 256, drainTimeoutMs: 10_000 };
}

export function runOpenLoopClient(plan: OpenLoopPlan, cpu: number): Promise<OpenLoopResult> {
  return startOpenLoopClient(plan, cpu).result;
}

export interface HeldStreams {
  summary: OpenStreamsSummary;
  /** Closes every stream and returns the final summary. */
  release(): Promise<OpenStreamsSummary>;
}

export async function holdOpenStreams(plan: OpenStreamsPlan, cpu: number): Promise<HeldStreams> {
  const client = startClient({ kind: 'open-streams', plan }, cpu);
  const line = await client.waitForLine(/^\{/, plan.timeoutMs + 30_000);
  return {
    summary: JSON.parse(line) as OpenStreamsSummary,
    async release() {
      client.child.stdin?.write('close\n');
      const deadline = Date.now() + 30_000;
      while (client.output().trim().split('\n').length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      const lines = client.output().trim().split('\n');
      await client.stop();
      return JSON.parse(lines[lines.length - 1] as string) as OpenStreamsSummary;
    },
  };
}
