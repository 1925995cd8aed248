// npm start's data plane in a process of its own: the data plane's CLI (data-plane/src/main.ts) as a
// child, so the control plane's work (usage ingest, snapshot compiles, GraphQL, the embedded database)
// never runs on the event loop that relays requests. Its output goes to ours; a signal to npm start's
// process group (Ctrl-C) reaches it too, and stop() sends SIGTERM and waits for its graceful exit.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { JWK } from 'jose';
import { DATA_PLANE_NODE_FLAGS } from '../data-plane/src/data-plane-settings.ts';

export interface DataPlaneProcessOptions {
  port: number;
  controlPlaneUrl: string;
  dataPlaneToken: string;
  snapshotPublicJwk: JWK;
  /** The private BYOK key's file, when the control plane generated the pair. */
  byokPrivateKeyFile: string | null;
  stateDir: string;
  allowPrivateUpstreams: boolean;
}

export interface DataPlaneProcess {
  url: string;
  /** Resolves when the process has exited, for whatever reason. */
  exited: Promise<unknown>;
  stop(): Promise<void>;
}

const REPOSITORY_ROOT = fileURLToPath(new URL('..', import.meta.url));
/** The data plane's start line, JSON or pretty: the URL ends at a quote or a space. */
const LISTENING = /data plane listening on (http[^\s"]+)/;

/**
 * Relays `output` to `relay` and resolves with the first capture of `pattern` in it; from then on the
 * output is piped through without being read. The data plane writes an access-log line per request, and
 * scanning all it had written again for every chunk (the text kept growing once the line was found) took
 * most of a core in npm start's process at 2,000 requests/s.
 */
export function relayUntilListening(output: Readable, relay: Writable, pattern: RegExp): Promise<string> {
  return new Promise((resolve) => {
    let pending = '';
    const watch = (chunk: Buffer) => {
      relay.write(chunk);
      pending += chunk.toString('utf8');
      const match = pattern.exec(pending);
      if (match === null) return void (pending = pending.slice(-200));
      output.off('data', watch);
      output.pipe(relay, { end: false });
      resolve(match[1] as string);
    };
    output.on('data', watch);
  });
}

export async function startDataPlaneProcess(options: DataPlaneProcessOptions): Promise<DataPlaneProcess> {
  mkdirSync(options.stateDir, { recursive: true });
  const publicKeyFile = join(options.stateDir, 'snapshot-signing.public.jwk');
  writeFileSync(publicKeyFile, JSON.stringify(options.snapshotPublicJwk));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATA_PLANE_PORT: String(options.port),
    CONTROL_PLANE_URL: options.controlPlaneUrl,
    DATA_PLANE_TOKEN: options.dataPlaneToken,
    SNAPSHOT_PUBLIC_KEY_FILE: publicKeyFile,
    DATA_PLANE_STATE_DIR: options.stateDir,
    ALLOW_PRIVATE_UPSTREAMS: String(options.allowPrivateUpstreams),
    // One serving thread unless set: the control plane (its usage ingest costs it more CPU per request
    // than the data plane spends) and the simulator share this machine's cores, and a pool of workers
    // adds the store calls to its main thread on every request (docs/benchmarks.md, worker threads).
    DATA_PLANE_WORKERS: process.env.DATA_PLANE_WORKERS || '1',
  };
  if (options.byokPrivateKeyFile) env.DATA_PLANE_ENCRYPTION_KEY_FILE = options.byokPrivateKeyFile;
  const child = spawn(process.execPath, [...DATA_PLANE_NODE_FLAGS, '--import', 'tsx', 'data-plane/src/main.ts'], {
    cwd: REPOSITORY_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit');
  const url = await Promise.race([
    relayUntilListening(child.stdout, process.stdout, LISTENING),
    exited.then(([code, signal]) => Promise.reject(new Error(`the data plane exited before listening (${signal ?? `exit code ${code}`})`))),
  ]);
  return {
    url,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}
