// The things measured, each started pinned to the target CPU and answering the same request: the
// simulator itself (direct), nginx as a plain reverse proxy, the floor (the thinnest relay on our own
// stack, floor-relay.ts), the Portkey gateway from npm, our data plane (auth, org policy, metering and
// the usage spool on, fed by a fake control plane that signs the snapshot and accepts usage), the same
// with USAGE_SPOOL_SYNC=fdatasync (gateway-fdatasync, the durability modes side by side), and
// gateway-full: the data plane fed by the real control plane on its embedded database, as separate
// processes, with real usage ingest; and gateway-start: `npm start` as a newcomer runs it.
// `request(stream, promptBytes, shape)` gives the bytes each one is sent.
import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFakeControlPlane, type FakeControlPlane } from '../data-plane/src/testing/fake-control-plane.ts';
import { fundedSpendFloors, UPSTREAM_KEY_ENV } from '../data-plane/src/testing/data-plane-fixture.ts';
import { DATA_PLANE_NODE_FLAGS } from '../data-plane/src/data-plane-settings.ts';
import { freePort } from '../test/support/free-port.ts';
import { BENCH_API_KEY, BENCH_MESSAGES_MODEL, BENCH_MISTRAL_MODEL, BENCH_RESPONSES_MODEL, benchSnapshotState, withNativeDoorModels } from './bench-snapshot.ts';
import { agentTools, agentTurns } from './agent-context.ts';
import { startPinned, type CpuList, type PinnedProcess } from './pinned-process.ts';
import { findInTree, processTree } from './process-usage.ts';
import type { BenchRequest } from './request-bytes.ts';
import type { UpstreamSimulatorOptions } from './upstream-simulator.ts';

export type TargetName = 'direct' | 'nginx' | 'floor' | 'portkey' | 'gateway' | 'gateway-fdatasync' | 'gateway-full' | 'gateway-start';
export const TARGET_NAMES: readonly TargetName[] = ['direct', 'nginx', 'floor', 'portkey', 'gateway', 'gateway-fdatasync', 'gateway-full', 'gateway-start'];

export interface Target {
  name: TargetName;
  /** The measured process (its descendants included); for `direct`, the simulator. */
  pid: number;
  /**
   * `promptBytes`: the body's approximate size (one user message padded to it); default a short prompt.
   * `shape` agent: a chat history of 2-8 KiB turns and twenty tools instead (agent-context.ts).
   */
  request(stream: boolean, promptBytes?: number, shape?: PromptShape): BenchRequest;
  stop(): Promise<void>;
}

export interface Simulator {
  port: number;
  process: PinnedProcess;
}

export const REPOSITORY_ROOT = fileURLToPath(new URL('..', import.meta.url));
const SHORT_PROMPT = 'Hello, benchmark';

/** A prompt of plain words, so token estimates see text the way they would see a real one. */
function promptOf(bytes: number | undefined): string {
  if (bytes === undefined) return SHORT_PROMPT;
  const words = 'the quick brown fox jumps over the lazy dog and keeps running through the long context window ';
  return words.repeat(Math.ceil(bytes / words.length)).slice(0, Math.max(1, bytes - 80));
}

/** One long prompt (single), or an agent's turn: many medium texts and tool definitions (agent). */
export const PROMPT_SHAPES = ['single', 'agent'] as const;
export type PromptShape = (typeof PROMPT_SHAPES)[number];

function chatBody(model: string, stream: boolean, promptBytes?: number, shape: PromptShape = 'single'): string {
  const streamed = stream ? { stream: true } : {};
  if (shape === 'agent') {
    const tools = agentTools().map((tool) => ({ type: 'function', function: tool }));
    return JSON.stringify({ model, messages: agentTurns(promptBytes ?? 0), tools, ...streamed });
  }
  const messages = [{ role: 'user', content: promptOf(promptBytes) }];
  return JSON.stringify({ model, messages, ...streamed });
}

/**
 * The API a gateway target is sent: chat completions, Anthropic Messages to an `anthropic` endpoint
 * (BENCH_MESSAGES_MODEL) or translated to chat for simulator/echo (messages-translated), Responses to
 * OpenAI's own (BENCH_RESPONSES_MODEL), chat translated for that `anthropic` endpoint (chat-anthropic) or
 * for a `mistral` one (chat-mistral, BENCH_MISTRAL_MODEL), or FIM (a prompt and a short suffix) to that one.
 */
export const BENCH_DOORS = ['chat', 'messages', 'messages-translated', 'responses', 'chat-anthropic', 'chat-mistral', 'fim'] as const;
export type BenchDoor = (typeof BENCH_DOORS)[number];

function gatewayRequest(door: BenchDoor, stream: boolean, promptBytes: number | undefined, shape: PromptShape = 'single'): Pick<BenchRequest, 'path' | 'body'> {
  if (door === 'chat') return { path: '/v1/chat/completions', body: chatBody('simulator/echo', stream, promptBytes, shape) };
  if (door === 'chat-anthropic') return { path: '/v1/chat/completions', body: chatBody(BENCH_MESSAGES_MODEL, stream, promptBytes, shape) };
  if (door === 'chat-mistral') return { path: '/v1/chat/completions', body: chatBody(BENCH_MISTRAL_MODEL, stream, promptBytes, shape) };
  if (shape !== 'single') throw new Error(`the ${shape} prompt shape is built for the chat doors only`);
  const streamed = stream ? { stream: true } : {};
  if (door === 'fim') {
    return { path: '/v1/fim/completions', body: JSON.stringify({ model: BENCH_MISTRAL_MODEL, prompt: promptOf(promptBytes), suffix: '\n}\n', ...streamed }) };
  }
  if (door === 'responses') return { path: '/v1/responses', body: JSON.stringify({ model: BENCH_RESPONSES_MODEL, input: promptOf(promptBytes), ...streamed }) };
  const messages = [{ role: 'user', content: promptOf(promptBytes) }];
  const model = door === 'messages' ? BENCH_MESSAGES_MODEL : 'simulator/echo';
  return { path: '/v1/messages', body: JSON.stringify({ model, max_tokens: 1024, messages, ...streamed }) };
}

function tsxProcess(
  name: string,
  cpu: CpuList,
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
  nodeFlags: string[] = [],
  root = REPOSITORY_ROOT,
): PinnedProcess {
  return startPinned({ name, cpu, command: process.execPath, args: [...nodeFlags, '--import', 'tsx', script, ...args], env, cwd: root });
}

export async function startSimulator(options: Omit<UpstreamSimulatorOptions, 'port'>, cpu: CpuList): Promise<Simulator> {
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

function plainRequest(
  port: number,
  stream: boolean,
  promptBytes: number | undefined,
  shape: PromptShape | undefined,
  headers: Record<string, string> = {},
): BenchRequest {
  return {
    host: '127.0.0.1',
    port,
    path: '/v1/chat/completions',
    headers: { authorization: 'Bearer sk-bench', ...headers },
    body: chatBody('echo', stream, promptBytes, shape),
  };
}

export function directTarget(simulator: Simulator): Target {
  return {
    name: 'direct',
    pid: simulator.process.pid,
    request: (stream, promptBytes, shape) => plainRequest(simulator.port, stream, promptBytes, shape),
    stop: async () => {},
  };
}

export async function startFloor(simulator: Simulator, cpu: number): Promise<Target> {
  const options = { port: 0, upstreamUrl: `http://127.0.0.1:${simulator.port}/v1/chat/completions` };
  const floor = tsxProcess('floor relay', cpu, 'bench/floor-relay-main.ts', [JSON.stringify(options)]);
  const line = await floor.waitForLine(/^listening \d+/, 30_000);
  const port = Number(line.split(' ')[1]);
  return { name: 'floor', pid: floor.pid, request: (stream, promptBytes, shape) => plainRequest(port, stream, promptBytes, shape), stop: () => floor.stop() };
}

export async function startNginx(simulator: Simulator, cpu: number): Promise<Target> {
  const directory = await mkdtemp(join(tmpdir(), 'bench-nginx-'));
  // Started as root, nginx's worker runs as nobody and must reach the temp paths (bodies over 16 KiB go there).
  await chmod(directory, 0o755);
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
  client_max_body_size 8m;
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
    request: (stream, promptBytes, shape) => plainRequest(port, stream, promptBytes, shape),
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
  return {
    name: 'portkey',
    pid: portkey.pid,
    request: (stream, promptBytes, shape) => plainRequest(port, stream, promptBytes, shape, headers),
    stop: () => portkey.stop(),
  };
}

export interface GatewayTarget extends Target {
  port: number;
  /** The snapshot version the data plane serves (from /healthz). */
  servedVersion(): Promise<number | null>;
  /** What the data plane wrote to stdout so far (its log). */
  output(): string;
}

export interface FakeControlPlaneGatewayTarget extends GatewayTarget {
  controlPlane: FakeControlPlane;
}

interface DataPlaneWiring {
  name: TargetName;
  controlPlaneUrl: string;
  dataPlaneToken: string;
  snapshotPublicKeyFile: string;
  apiKey: string;
  directory: string;
  /** Settings of this data plane, over the harness's environment. */
  env?: NodeJS.ProcessEnv;
  /** The checkout whose data plane runs (bench/compare-data-planes.ts); default this one. */
  root?: string;
  /** What `request` sends; default chat completions. */
  door?: BenchDoor;
  stopControlPlane(): Promise<void>;
}

async function servedVersionAt(port: number): Promise<number | null> {
  const response = await fetch(`http://127.0.0.1:${port}/healthz`);
  return ((await response.json()) as { snapshotVersion: number | null }).snapshotVersion;
}

/** The data plane's real CLI, pinned, once it serves a snapshot. */
async function startDataPlaneProcess(wiring: DataPlaneWiring, cpu: CpuList, nodeFlags: string[]): Promise<GatewayTarget> {
  // Chosen here rather than read from the listening line: that line is at info, and a run may set LOG_LEVEL=warn.
  const port = await freePort();
  const env = {
    ...process.env,
    DATA_PLANE_PORT: String(port),
    CONTROL_PLANE_URL: wiring.controlPlaneUrl,
    DATA_PLANE_TOKEN: wiring.dataPlaneToken,
    SNAPSHOT_PUBLIC_KEY_FILE: wiring.snapshotPublicKeyFile,
    DATA_PLANE_STATE_DIR: join(wiring.directory, 'state'),
    [UPSTREAM_KEY_ENV]: 'sk-bench-upstream',
    // The simulator listens on 127.0.0.1.
    ALLOW_PRIVATE_UPSTREAMS: 'true',
    ...wiring.env,
  };
  // As users launch it; a side's own flags come later, so they win.
  const dataPlane = tsxProcess('data plane', cpu, 'data-plane/src/main.ts', [], env, [...DATA_PLANE_NODE_FLAGS, ...nodeFlags], wiring.root);
  const stop = async () => {
    await dataPlane.stop();
    await wiring.stopControlPlane();
    await rm(wiring.directory, { recursive: true, force: true });
  };
  try {
    const servedVersion = () => servedVersionAt(port);
    // Generous: a loaded machine takes tens of seconds to start a process pinned to a busy CPU.
    const deadline = Date.now() + 120_000;
    while ((await servedVersion().catch(() => null)) === null) {
      if (dataPlane.child.exitCode !== null) throw new Error(`the data plane exited (${dataPlane.child.exitCode}): ${dataPlane.output().slice(-2000)}`);
      if (Date.now() > deadline) throw new Error(`the data plane never served its snapshot: ${dataPlane.output().slice(-2000)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return {
      name: wiring.name,
      pid: dataPlane.pid,
      port,
      servedVersion,
      output: () => dataPlane.output(),
      request: (stream, promptBytes, shape) => ({
        host: '127.0.0.1',
        port,
        headers: { authorization: `Bearer ${wiring.apiKey}` },
        ...gatewayRequest(wiring.door ?? 'chat', stream, promptBytes, shape),
      }),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

export async function startGatewayTarget(
  simulator: Simulator,
  cpu: CpuList,
  nodeFlags: string[] = [],
  variant: { name: TargetName; env?: NodeJS.ProcessEnv; root?: string; door?: BenchDoor } = { name: 'gateway' },
): Promise<FakeControlPlaneGatewayTarget> {
  const directory = await mkdtemp(join(tmpdir(), 'bench-data-plane-'));
  const controlPlane = await startFakeControlPlane();
  const upstream = `http://127.0.0.1:${simulator.port}/v1`;
  const state = (variant.door ?? 'chat') === 'chat' ? benchSnapshotState(upstream) : withNativeDoorModels(benchSnapshotState(upstream), upstream);
  await controlPlane.publishSpendFloors(fundedSpendFloors(state));
  await controlPlane.publish(state);
  const keyFile = join(directory, 'snapshot-public.jwk');
  await writeFile(keyFile, JSON.stringify(controlPlane.publicJwk));
  const target = await startDataPlaneProcess(
    {
      name: variant.name,
      env: variant.env,
      root: variant.root,
      door: variant.door,
      controlPlaneUrl: controlPlane.url,
      dataPlaneToken: controlPlane.token,
      snapshotPublicKeyFile: keyFile,
      apiKey: BENCH_API_KEY,
      directory,
      stopControlPlane: () => controlPlane.close(),
    },
    cpu,
    nodeFlags,
  );
  return { ...target, controlPlane };
}

/** A GraphQL operation on a real control plane as its seeded platform admin (the `admin-token` it wrote). */
async function adminGraphql(controlPlanePort: number, dataDir: string, query: string): Promise<unknown> {
  const adminToken = (await readFile(join(dataDir, 'admin-token'), 'utf8')).trim();
  const response = await fetch(`http://127.0.0.1:${controlPlanePort}/graphql`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  const answer = (await response.json()) as { data?: unknown; errors?: unknown };
  if (answer.errors) throw new Error(`${query.slice(0, 60)}… failed: ${JSON.stringify(answer.errors)}`);
  return answer.data;
}

/** $1M: a full run sends a real control plane's dev org about 250,000 requests a target on a fast machine. */
const BENCH_GRANT_MICROS = 1_000_000_000_000;

/**
 * Credit for the seeded dev org. Its own $10 grant buys about 250,000 of the simulator's requests (12
 * prompt and 64 completion tokens at $0.15 / $0.60 per million): a full run on a fast machine sent more,
 * and the last phases measured the gateway refusing an org out of credit (402) instead of serving.
 */
async function fundDevOrg(controlPlanePort: number, dataDir: string): Promise<void> {
  const me = (await adminGraphql(controlPlanePort, dataDir, '{ me { memberships { orgId } } }')) as { me: { memberships: Array<{ orgId: string }> } };
  const orgId = me.me.memberships[0]?.orgId;
  if (orgId === undefined) throw new Error('the seeded admin belongs to no org');
  await adminGraphql(
    controlPlanePort,
    dataDir,
    `mutation { addLedgerEntry(orgId: "${orgId}", kind: grant, amountMicros: ${BENCH_GRANT_MICROS}, note: "bench") { balanceMicros } }`,
  );
}

/**
 * The real deployment: the control plane's CLI on its embedded database (seeded on first start: the dev
 * org, its key and the `simulator` provider, pointed at the bench's simulator) and the data plane's CLI,
 * two processes. The control plane runs on `controlPlaneCpu` with the load, like the fake one.
 */
export async function startGatewayFullTarget(simulator: Simulator, cpu: number, controlPlaneCpu: number, nodeFlags: string[] = []): Promise<GatewayTarget> {
  const directory = await mkdtemp(join(tmpdir(), 'bench-gateway-full-'));
  const dataDir = join(directory, 'control-plane');
  const controlPlanePort = await freePort();
  const controlPlane = tsxProcess('control plane', controlPlaneCpu, 'control-plane/src/main.ts', [], {
    ...process.env,
    CONTROL_PLANE_PORT: String(controlPlanePort),
    GATEWAY_DATA_DIR: dataDir,
    DATABASE_URL: '',
    SIMULATOR_BASE_URL: `http://127.0.0.1:${simulator.port}/v1`,
    ALLOW_PRIVATE_UPSTREAMS: 'true',
  });
  try {
    await controlPlane.waitForLine(/control plane listening on /, 120_000);
    await fundDevOrg(controlPlanePort, dataDir);
  } catch (error) {
    await controlPlane.stop();
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
  const secret = async (name: string) => (await readFile(join(dataDir, name), 'utf8')).trim();
  return startDataPlaneProcess(
    {
      name: 'gateway-full',
      controlPlaneUrl: `http://127.0.0.1:${controlPlanePort}`,
      dataPlaneToken: await secret('data-plane-token'),
      snapshotPublicKeyFile: join(dataDir, 'keys', 'snapshot-signing.public.jwk'),
      apiKey: await secret('dev-key'),
      directory,
      stopControlPlane: () => controlPlane.stop(),
    },
    cpu,
    nodeFlags,
  );
}

/**
 * `npm start` as a newcomer runs it: a fresh data folder, ports from its variables, its dev key; the
 * control plane in npm start's process, the data plane and npm start's own simulator in children. The
 * seeded `simulator` provider is then pointed at the bench's simulator through the admin API (with the
 * admin token npm start saved), so the overhead over direct is measured against the same upstream. npm
 * start runs on `otherCpu` with the load; its data plane child is moved to `cpu` and is the measured
 * process.
 */
export async function startGatewayStartTarget(simulator: Simulator, cpu: number, otherCpu: number): Promise<GatewayTarget> {
  const directory = await mkdtemp(join(tmpdir(), 'bench-gateway-start-'));
  const dataDir = join(directory, 'data');
  const [controlPlanePort, port, simulatorPort] = [await freePort(), await freePort(), await freePort()];
  const npmStart = startPinned({
    name: 'npm start',
    cpu: otherCpu,
    command: 'npm',
    args: ['start'],
    env: {
      ...process.env,
      GATEWAY_DATA_DIR: dataDir,
      CONTROL_PLANE_PORT: String(controlPlanePort),
      DATA_PLANE_PORT: String(port),
      SIMULATOR_PORT: String(simulatorPort),
    },
    cwd: REPOSITORY_ROOT,
  });
  const exited = once(npmStart.child, 'exit');
  const stop = async () => {
    // As Ctrl-C in a terminal: SIGINT to every process of the tree (npm does not pass a signal on to its script).
    if (npmStart.child.exitCode === null && npmStart.child.signalCode === null) {
      for (const pid of processTree(npmStart.pid)) process.kill(pid, 'SIGINT');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 20_000).unref())]);
    }
    await npmStart.stop();
    await rm(directory, { recursive: true, force: true });
  };
  try {
    await npmStart.waitForLine(/^Gateway ready\.$/, 180_000);
    const dataPlane = findInTree(npmStart.pid, 'data-plane/src/main.ts');
    if (dataPlane === null) throw new Error(`npm start has no data plane child: ${npmStart.output().slice(-2000)}`);
    // Every thread of the data plane and of its children (tsx's esbuild), as the other targets are pinned.
    for (const pid of processTree(dataPlane)) execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
    const before = await servedVersionAt(port);
    await fundDevOrg(controlPlanePort, dataDir);
    const baseUrl = `http://127.0.0.1:${simulator.port}/v1`;
    await adminGraphql(controlPlanePort, dataDir, `mutation { upsertProvider(input: { slug: "simulator", baseUrl: "${baseUrl}" }) { baseUrl } }`);
    const deadline = Date.now() + 60_000;
    while ((await servedVersionAt(port)) === before) {
      if (Date.now() > deadline) throw new Error(`the data plane never served the snapshot with ${baseUrl}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const apiKey = (await readFile(join(dataDir, 'dev-key'), 'utf8')).trim();
    return {
      name: 'gateway-start',
      pid: dataPlane,
      port,
      servedVersion: () => servedVersionAt(port),
      output: () => npmStart.output(),
      request: (stream, promptBytes, shape) => ({
        host: '127.0.0.1',
        port,
        headers: { authorization: `Bearer ${apiKey}` },
        ...gatewayRequest('chat', stream, promptBytes, shape),
      }),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
