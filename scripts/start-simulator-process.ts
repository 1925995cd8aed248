// npm start's upstream simulator in a child process (scripts/openai-simulator-main.ts). In npm start's own
// process it shared the event loop of the control plane: while the control plane ingested usage or
// compiled a snapshot, the simulated provider answered late, and a request through the gateway waited
// for it (a real provider is not on the control plane's loop either). A signal to npm start's process
// group (Ctrl-C) reaches it too; stop() sends SIGTERM and waits for it to exit.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

export interface SimulatorProcess {
  /** e.g. http://127.0.0.1:4010/v1 */
  baseUrl: string;
  stop(): Promise<void>;
}

const REPOSITORY_ROOT = fileURLToPath(new URL('..', import.meta.url));

export async function startSimulatorProcess(port: number): Promise<SimulatorProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/openai-simulator-main.ts', String(port)], {
    cwd: REPOSITORY_ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit');
  const baseUrl = await new Promise<string>((resolve, reject) => {
    let pending = '';
    child.stdout.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      const match = /^listening (\S+)$/m.exec(pending);
      if (match) resolve(match[1] as string);
    });
    child.once('exit', (code, signal) => reject(new Error(`the upstream simulator exited before listening (${signal ?? `exit code ${code}`})`)));
  });
  return {
    baseUrl,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}
