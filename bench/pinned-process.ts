// Child processes pinned to one CPU with taskset, which execs the command, so the child's pid is the
// measured process itself. Children inherit the harness's open-file limit.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

export interface PinnedProcessOptions {
  name: string;
  /** A CPU, or a taskset list such as '0-1' (a target allowed on both CPUs). */
  cpu: CpuList;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface PinnedProcess {
  name: string;
  pid: number;
  child: ChildProcess;
  /** What the child wrote to stdout so far (past 4 MB, its first 64 kB and last 1 MB). */
  output(): string;
  /** Resolves with the first complete stdout line matching `pattern`. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<string>;
  stop(): Promise<void>;
}

/** taskset -c's argument: one CPU, or a list such as '0-1'. */
export type CpuList = number | string;

export function startPinned(options: PinnedProcessOptions): PinnedProcess {
  const child = spawn('taskset', ['-c', String(options.cpu), options.command, ...options.args], {
    env: options.env ?? process.env,
    cwd: options.cwd,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    // A data plane writes an access-log line per request: keep the start (its listening line) and the recent end.
    if (stdout.length > 4_000_000) stdout = `${stdout.slice(0, 64_000)}\n${stdout.slice(-1_000_000)}`;
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    if (stderr.length > 64_000) stderr = stderr.slice(-32_000);
  });
  const exited = once(child, 'exit');

  return {
    name: options.name,
    pid: child.pid as number,
    child,
    output: () => stdout,
    async waitForLine(pattern, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        // Only whole lines: a long JSON line can arrive in several chunks.
        const line = stdout
          .split('\n')
          .slice(0, -1)
          .find((candidate) => pattern.test(candidate));
        if (line !== undefined) return line;
        if (child.exitCode !== null || Date.now() > deadline) {
          throw new Error(
            `${options.name} did not print ${String(pattern)} (exit ${child.exitCode}); stdout: ${stdout.slice(-2000)}; stderr: ${stderr.slice(-2000)}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    },
  };
}
