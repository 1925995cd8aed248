// A plane (its main.ts) run as a child process, so a chaos test can SIGKILL it for real and start it again on
// the same port and state.
import { spawn, type ChildProcess } from 'node:child_process';
import { PROCESS_START_MS } from './eventually.ts';
import { waitFor } from './wait-for.ts';

export class PlaneProcess {
  readonly #entry: string;
  readonly #port: () => number;
  readonly #env: () => Record<string, string>;
  #child: ChildProcess | null = null;

  /** `port` and `env` are read at each start (a suite knows them only after its beforeAll); `env` is added to this process's. */
  constructor(entry: string, port: () => number, env: () => Record<string, string>) {
    this.#entry = entry;
    this.#port = port;
    this.#env = env;
  }

  /** Starts the plane; resolves once its /healthz answers 200. */
  async start(): Promise<void> {
    this.#child = spawn(process.execPath, ['--import', 'tsx', this.#entry], {
      env: { ...process.env, ...this.#env() },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    await waitFor(
      () =>
        fetch(`http://127.0.0.1:${this.#port()}/healthz`).then(
          (response) => (response.ok ? true : undefined),
          () => undefined,
        ),
      { timeoutMs: PROCESS_START_MS, what: `${this.#entry} to become healthy` },
    );
  }

  /** SIGKILLs the plane and resolves once it has exited; does nothing when it is not running. */
  async kill(): Promise<void> {
    const child = this.#child;
    this.#child = null;
    if (child === null || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}
