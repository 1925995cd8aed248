// The four things measured, each started pinned to the target CPU and answering the same request:
// the simulator itself (direct), nginx as a plain reverse proxy, the Portkey gateway from npm, and our
// data plane (auth, org policy, metering and the usage spool on, fed by a fake control plane that
// signs the snapshot and accepts usage). `request(stream)` gives the bytes each one is sent.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFakeControlPlane, type FakeControlPlane } from '../data-plane/src/testing/fake-control-plane.ts';
import { UPSTREAM_KEY_ENV } from '../data-plane/src/testing/data-plane-fixture.ts';
import { freePort } from '../test/support/free-port.ts';
import { BENCH_API_KEY, benchSnapshotState } from './bench-snapshot.ts';
import { startPinned, type PinnedProcess } from './pinned-process.ts';
import type { BenchRequest } from './request-bytes.ts';
import type { UpstreamSimulatorOptions } from './upstream-simulator.ts';

export type TargetName = 'direct' | 'nginx' | 'portkey' | 'gateway';
export const TARGET_NAMES: readonly TargetName[] = ['direct', 'nginx', 'portkey', 'gateway'];

export interface Target {
  name: TargetName;
  /** The measured process (its descendants included); for `direct`, the simulator. */
  pid: number;
  request(stream: boolean): BenchRequest;
  stop(): Promise<void>;
}

export interface Simulator {
  port: number;
  process: PinnedProcess;
}

export const REPOSITORY_ROOT = fileURLToPath(new URL('..', import.meta.url));
const MESSAGES = [{ role: 'user', content: 'Hello, benchmark' }];

function chatBody(model: string, stream: boolean): string {
  return JSON.stringify(stream ? { model, messages: MESSAGES, stream: true } : { model, messages: MESSAGES });
}

function tsxProcess(name: string, cpu: number, script: string, args: string[], env: NodeJS.ProcessEnv = process.env, nodeFlags: string[] = []): PinnedProcess {
  return startPinned({ name, cpu, command: process.execPath, args: [...nodeFlags, '--import', 'tsx', script, ...args], env, cwd: REPOSITORY_ROOT });
}

export async function startSimulator(options: Omit<UpstreamSimulatorOptions, 'port'>, cpu: number): Promise<Simulator> {
  const child = tsxProcess('upstream simulator', cpu, 'bench/upstream-simulator-main.ts', [JSON.stringify({ ...options, port: 0 })]);
  const line = await child.waitForLine(/^listening \d+/, 20_000);
  return { port: Number(line.split(' ')[1]), process: child };
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const connected = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (connected) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function plainRequest(port: number, stream: boolean, headers: Record<string, string> = {}): BenchRequest {
  return { host: '127.0.0.1', port, path: '/v1/chat/completions', headers: { authorization: 'Bearer sk-bench', ...headers }, body: chatBody('echo', stream) };
}

export function directTarget(simulator: Simulator): Target {
  return { name: 'direct', pid: simulator.process.pid, request: (stream) => plainRequest(simulator.port, stream), stop: async () => {} };
}

export async function startNginx(simulator: Simulator, cpu: number): Promise<Target> {
  const directory = await mkdtemp(join(tmpdir(), 'bench-nginx-'));
  const port = await freePort();
  // One worker, keep-alive to the upstream, no access log; proxy_buffering off so SSE is passed on
  // as it arrives, the way an SSE-serving reverse proxy is configured.
  const conf = `worker_processes 1;
daemon off;
pid ${directory}/nginx.pid;
error_log ${directory}/error.log warn;
events { worker_connections 30000; }
http {
  access_log off;
  client_body_temp_path ${directory}/body;
  proxy_temp_path ${directory}/proxy;
  fastcgi_temp_path ${directory}/fastcgi;
  uwsgi_temp_path ${directory}/uwsgi;
  scgi_temp_path ${directory}/scgi;
  upstream simulator { server 127.0.0.1:${simulator.port}; keepalive 512; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://simulator;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
    }
  }
}
`;
  await writeFile(join(directory, 'nginx.conf'), conf);
  const nginx = startPinned({
    name: 'nginx',
    cpu,
    command: 'nginx',
    args: ['-p', directory, '-e', join(directory, 'error.log'), '-c', join(directory, 'nginx.conf')],
  });
  await waitForPort(port, 10_000);
  return {
    name: 'nginx',
    pid: nginx.pid,
    request: (stream) => plainRequest(port, stream),
    async stop() {
      await nginx.stop();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

export async function startPortkey(simulator: Simulator, cpu: number): Promise<Target> {
  const port = await freePort();
  const script = join(REPOSITORY_ROOT, 'node_modules/@portkey-ai/gateway/build/start-server.js');
  const portkey = startPinned({ name: 'portkey', cpu, command: process.execPath, args: [script, `--port=${port}`, '--headless'], cwd: REPOSITORY_ROOT });
  await portkey.waitForLine(/Ready for connections/, 30_000);
  await waitForPort(port, 10_000);
  // Portkey's OpenAI provider pointed at an OpenAI-compatible custom host, per request by header.
  const headers = { 'x-portkey-provider': 'openai', 'x-portkey-custom-host': `http://127.0.0.1:${simulator.port}/v1` };
  return { name: 'portkey', pid: portkey.pid, request: (stream) => plainRequest(port, stream, headers), stop: () => portkey.stop() };
}

export interface GatewayTarget extends Target {
  controlPlane: FakeControlPlane;
  port: number;
  /** The snapshot version the data plane serves (from /healthz). */
  servedVersion(): Promise<number | null>;
}

export async function startGatewayTarget(simulator: Simulator, cpu: number, nodeFlags: string[] = []): Promise<GatewayTarget> {
  const directory = await mkdtemp(join(tmpdir(), 'bench-data-plane-'));
  const controlPlane = await startFakeControlPlane();
  await controlPlane.publish(benchSnapshotState(`http://127.0.0.1:${simulator.port}/v1`));
  const keyFile = join(directory, 'snapshot-public.jwk');
  await writeFile(keyFile, JSON.stringify(controlPlane.publicJwk));
  const env = {
    ...process.env,
    DATA_PLANE_PORT: '0',
    CONTROL_PLANE_URL: controlPlane.url,
    DATA_PLANE_TOKEN: controlPlane.token,
    SNAPSHOT_PUBLIC_KEY_FILE: keyFile,
    DATA_PLANE_STATE_DIR: join(directory, 'state'),
    [UPSTREAM_KEY_ENV]: 'sk-bench-upstream',
    // The simulator listens on 127.0.0.1.
    ALLOW_PRIVATE_UPSTREAMS: 'true',
  };
  const dataPlane = tsxProcess('data plane', cpu, 'data-plane/src/main.ts', [], env, nodeFlags);
  const line = await dataPlane.waitForLine(/data plane listening on /, 30_000);
  const port = Number(/:(\d+)\s*$/.exec(line)?.[1]);
  const servedVersion = async () => {
    const response = await fetch(`http://127.0.0.1:${port}/healthz`);
    return ((await response.json()) as { snapshotVersion: number | null }).snapshotVersion;
  };
  const deadline = Date.now() + 20_000;
  while ((await servedVersion()) === null) {
    if (Date.now() > deadline) throw new Error('the data plane never received its snapshot');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    name: 'gateway',
    pid: dataPlane.pid,
    controlPlane,
    port,
    servedVersion,
    request: (stream) => ({
      host: '127.0.0.1',
      port,
      path: '/v1/chat/completions',
      headers: { authorization: `Bearer ${BENCH_API_KEY}` },
      body: chatBody('simulator/echo', stream),
    }),
    async stop() {
      await dataPlane.stop();
      await controlPlane.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
