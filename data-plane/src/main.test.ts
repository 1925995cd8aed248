// The CLI as a child process: it refuses the uWS JavaScript fallback, and a response the client saw
// complete survives a SIGKILL right after it (its usage event is already in the spool).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startOpenAISimulator } from '../../simulators/openai/openai-simulator.ts';
import { PROCESS_START_MS } from '../../test/support/eventually.ts';
import { waitFor } from '../../test/support/wait-for.ts';
import { startFakeControlPlane, type FakeControlPlane } from './testing/fake-control-plane.ts';
import type { UsageEvent } from '../../shared/src/usage-event.ts';
import { decodeSpoolRecord } from './usage/spool-record.ts';
import { FIXTURE_UPSTREAM_KEY, fundedSpendFloors, TEST_API_KEY, TEST_MODEL, testSnapshotState, UPSTREAM_KEY_ENV } from './testing/data-plane-fixture.ts';

const MAIN = resolve(import.meta.dirname, 'main.ts');
const ROOT = resolve(import.meta.dirname, '../..');
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function run(env: Record<string, string>): { child: ChildProcess; output: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (data: Buffer) => (output += data.toString()));
  child.stderr?.on('data', (data: Buffer) => (output += data.toString()));
  const exit = new Promise<number | null>((resolveExit) => child.on('exit', (code) => resolveExit(code)));
  return { child, output: () => output, exit };
}

function listeningUrl(output: () => string): Promise<string> {
  return waitFor(() => /listening on (http:\/\/[^\s"]+)/.exec(output())?.[1], { timeoutMs: PROCESS_START_MS, what: 'the data plane to say where it listens' });
}

/** Runs main.ts on port 0 against `controlPlane`, with a fresh state dir; both are cleaned up. */
async function runAgainst(controlPlane: FakeControlPlane) {
  const stateDir = await mkdtemp(join(tmpdir(), 'data-plane-main-'));
  cleanups.push(() => rm(stateDir, { recursive: true, force: true }));
  const keyFile = join(stateDir, 'snapshot-key.json');
  await writeFile(keyFile, JSON.stringify(controlPlane.publicJwk));
  const started = run({
    DATA_PLANE_PORT: '0',
    CONTROL_PLANE_URL: controlPlane.url,
    DATA_PLANE_TOKEN: controlPlane.token,
    SNAPSHOT_PUBLIC_KEY_FILE: keyFile,
    DATA_PLANE_STATE_DIR: stateDir,
    ALLOW_PRIVATE_UPSTREAMS: 'true',
    // The simulator provider's platform key: without one its model is never called.
    [UPSTREAM_KEY_ENV]: FIXTURE_UPSTREAM_KEY,
  });
  cleanups.push(async () => {
    if (started.child.exitCode === null) started.child.kill('SIGKILL');
  });
  return { ...started, stateDir };
}

describe('data-plane/src/main.ts', () => {
  it('refuses to start on the uWebSockets.js JavaScript fallback', async () => {
    const { output, exit } = run({ UWS_USE_FALLBACK: '1', DATA_PLANE_TOKEN: 'x', SNAPSHOT_PUBLIC_KEY_FILE: '/nonexistent' });
    expect(await exit).not.toBe(0);
    expect(output()).toContain('refuses to start on the fallback');
  });

  it('refuses a CONTROL_PLANE_URL that is not a comma-separated list of http(s) URLs', async () => {
    const { output, exit } = run({
      CONTROL_PLANE_URL: 'http://127.0.0.1:4000,ftp://127.0.0.1:4001',
      DATA_PLANE_TOKEN: 'x',
      SNAPSHOT_PUBLIC_KEY_FILE: '/nonexistent',
    });
    expect(await exit).toBe(1);
    expect(output()).toContain("CONTROL_PLANE_URL must be http(s) URLs separated by commas, got 'http://127.0.0.1:4000,ftp://127.0.0.1:4001'");
  });

  it('prints usage and the environment table with --help', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (data: Buffer) => (output += data.toString()));
    const code = await new Promise((resolveExit) => child.on('exit', resolveExit));
    expect(code).toBe(0);
    for (const name of [
      'DATA_PLANE_PORT',
      'DATA_PLANE_HOST',
      'CONTROL_PLANE_URL',
      'DATA_PLANE_TOKEN_FILE',
      'SNAPSHOT_PUBLIC_KEY_FILE',
      'MAX_BODY_BYTES',
      'UPSTREAM_TIMEOUT_MS',
      'UPSTREAM_ATTEMPT_TIMEOUT_MS',
      'UPSTREAM_TOTAL_TIMEOUT_MS',
      'USAGE_SPOOL_GROUP_MAX_EVENTS',
      'USAGE_SPOOL_GROUP_DELAY_MS',
      'USAGE_SPOOL_SYNC',
    ]) {
      expect(output).toContain(name);
    }
  });

  it('closes gracefully on SIGTERM (exit code 0)', async () => {
    const controlPlane = await startFakeControlPlane();
    cleanups.push(() => controlPlane.close());
    const { child, output, exit } = await runAgainst(controlPlane);
    const url = await listeningUrl(output);
    expect((await fetch(`${url}/healthz`)).status).toBe(503);
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    expect(output()).toContain('SIGTERM, closing');
  });

  it('keeps the usage event of a completed response across a SIGKILL', async () => {
    const simulator = await startOpenAISimulator();
    cleanups.push(() => simulator.close());
    const controlPlane = await startFakeControlPlane();
    cleanups.push(() => controlPlane.close());
    controlPlane.ingestDown = true; // nothing leaves the spool before the kill
    await controlPlane.publishSpendFloors(fundedSpendFloors(testSnapshotState(simulator.baseUrl)));
    await controlPlane.publish(testSnapshotState(simulator.baseUrl));

    const { child, output, exit, stateDir } = await runAgainst(controlPlane);
    const url = await listeningUrl(output);
    await expect.poll(async () => (await fetch(`${url}/healthz`)).status).toBe(200);

    const response = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: TEST_MODEL, messages: [{ role: 'user', content: 'durable?' }], stream: true }),
    });
    const requestId = response.headers.get('x-request-id') as string;
    expect((await response.text()).endsWith('data: [DONE]\n\n')).toBe(true);
    child.kill('SIGKILL');
    await exit;

    expect((await spooledEvents(stateDir)).map((event) => event.requestId)).toContain(requestId);
  });

  it('has answered, metered and written the access line of every request in flight when it exits on SIGTERM (its log is batched)', async () => {
    const simulator = await startOpenAISimulator();
    cleanups.push(() => simulator.close());
    // In flight when the signal comes: their lines are logged while the data plane closes, just before it exits.
    simulator.scenario = () => ({ headersDelayMs: 1_000 });
    const controlPlane = await startFakeControlPlane();
    cleanups.push(() => controlPlane.close());
    await controlPlane.publishSpendFloors(fundedSpendFloors(testSnapshotState(simulator.baseUrl)));
    await controlPlane.publish(testSnapshotState(simulator.baseUrl));
    const { child, output, stateDir } = await runAgainst(controlPlane);
    const closed = once(child, 'close'); // after the last of stdout, unlike 'exit'
    const url = await listeningUrl(output);
    await expect.poll(async () => (await fetch(`${url}/healthz`)).status).toBe(200);

    const answered = Promise.all(
      Array.from({ length: 20 }, async () => {
        const response = await fetch(`${url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: TEST_MODEL, messages: [{ role: 'user', content: 'logged?' }] }),
        });
        expect(response.status).toBe(200);
        await response.text();
        return response.headers.get('x-request-id');
      }),
    );
    await expect.poll(() => simulator.requests.length).toBe(20);
    child.kill('SIGTERM');
    const requestIds = await answered;
    expect((await closed)[0]).toBe(0);
    const logged = output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { msg: string; requestId?: string })
      .filter((record) => record.msg === 'request')
      .map((record) => record.requestId);
    expect(logged.toSorted()).toEqual(requestIds.toSorted());
    // Each one's usage event, in the spool the next start ships from (the shipper stopped as closing began).
    const metered = (await spooledEvents(stateDir)).filter((event) => requestIds.includes(event.requestId));
    expect(metered.map((event) => event.requestId).toSorted()).toEqual(requestIds.toSorted());
    expect(metered.every((event) => event.status === 200 && event.errorCode === null)).toBe(true);
  });
});

/** The usage events in `stateDir`'s spools, whichever worker thread wrote them: spool/ for the first, spool-N/ for the others. */
async function spooledEvents(stateDir: string): Promise<UsageEvent[]> {
  const events: UsageEvent[] = [];
  for (const directory of (await readdir(stateDir)).filter((name) => /^spool(-\d+)?$/.test(name))) {
    for (const name of await readdir(join(stateDir, directory))) {
      if (!name.endsWith('.ndjson')) continue;
      for (const line of (await readFile(join(stateDir, directory, name), 'utf8')).split('\n').filter(Boolean)) {
        const record = decodeSpoolRecord(line);
        if (record.ok && !record.provisional) events.push(record.event);
      }
    }
  }
  return events;
}

// What the entries' first imports do for V8's optimised code (fast-string-prototype.ts,
// global-data-properties.ts say why it matters), asked of V8 itself in a child process
// (--allow-natives-syntax: %HasFastProperties).
describe("the data plane's first imports", () => {
  /** A module that prints, when the process exits, String.prototype's mode and what the two globals are. */
  async function exitReport(): Promise<string> {
    const directory = await mkdtemp(join(tmpdir(), 'first-imports-'));
    cleanups.push(() => rm(directory, { recursive: true, force: true }));
    const file = join(directory, 'report.mjs');
    // new Function: the natives syntax is parsed by V8 only, never by a TypeScript transform.
    await writeFile(
      file,
      `import { Buffer } from 'node:buffer';
import { performance } from 'node:perf_hooks';
const kind = (name, value) => { const d = Object.getOwnPropertyDescriptor(globalThis, name); return (d.get ? 'accessor' : 'data') + (globalThis[name] === value ? ' same' : ' other'); };
process.on('exit', () => process.stdout.write([
  'string-prototype-fast=' + new Function('o', 'return %HasFastProperties(o)')(String.prototype),
  'Buffer=' + kind('Buffer', Buffer),
  'performance=' + kind('performance', performance),
].join('\\n') + '\\n'));
`,
    );
    return pathToFileURL(file).href;
  }

  async function runNode(args: string[]): Promise<string> {
    const child = spawn(process.execPath, ['--allow-natives-syntax', ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (data: Buffer) => (output += data.toString()));
    child.stderr.on('data', (data: Buffer) => (output += data.toString()));
    await once(child, 'exit');
    return output;
  }

  it('the CLI, all its modules loaded (ioredis, which extends String, among them), leaves String.prototype fast and Buffer, performance plain globals', async () => {
    const output = await runNode(['--import', await exitReport(), '--import', 'tsx', MAIN, '--help']);
    expect(output).toContain('Usage:');
    expect(output).toContain('string-prototype-fast=true');
    expect(output).toContain('Buffer=data same');
    expect(output).toContain('performance=data same');
  });

  it('keeps String.prototype fast through a later class that extends String, which without it leaves it slow', async () => {
    const script = (keep: boolean) =>
      `${keep ? "await import('./data-plane/src/fast-string-prototype.ts');" : ''} class Verbatim extends String {} new Verbatim('x');`;
    const report = await exitReport();
    const kept = await runNode(['--import', report, '--import', 'tsx', '--input-type=module', '-e', script(true)]);
    const plain = await runNode(['--import', report, '--import', 'tsx', '--input-type=module', '-e', script(false)]);
    expect(kept).toContain('string-prototype-fast=true');
    expect(plain).toContain('string-prototype-fast=false');
    expect(plain).toContain('Buffer=accessor same');
  });
});
