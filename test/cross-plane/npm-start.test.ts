// `npm start` as a newcomer runs it: the gateway comes up, prints a dev key that works with the README's
// curl request, and a second start on the same data folder seeds nothing and still serves.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/free-port.ts';
import { CHAOS_TEST_TIMEOUT_MS, PROCESS_START_MS } from '../support/eventually.ts';
import { waitFor } from '../support/wait-for.ts';
import { copyPgliteTemplate } from '../support/pglite-template.ts';

describe('npm start', () => {
  let dataDir: string;
  let ports: Record<'CONTROL_PLANE_PORT' | 'DATA_PLANE_PORT' | 'SIMULATOR_PORT', number>;
  const running = new Set<ChildProcess>();

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'gateway-npm-start-'));
    await copyPgliteTemplate(join(dataDir, 'pglite'));
    ports = { CONTROL_PLANE_PORT: await freePort(), DATA_PLANE_PORT: await freePort(), SIMULATOR_PORT: await freePort() };
  });
  afterAll(async () => {
    for (const child of running) process.kill(-child.pid!, 'SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  });

  async function start(): Promise<{ output: () => string; stop: () => Promise<void> }> {
    const environment: NodeJS.ProcessEnv = { ...process.env, GATEWAY_DATA_DIR: dataDir };
    for (const [name, port] of Object.entries(ports)) environment[name] = String(port);
    // With a provider key set, the simulator would not start.
    delete environment.OPENAI_API_KEY;
    // Its own process group, so a signal reaches npm and the gateway under it, as Ctrl-C in a terminal does.
    const child = spawn('npm', ['start', '--silent'], { env: environment, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    running.add(child);
    let text = '';
    child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    await waitFor(
      () => {
        if (text.includes('Gateway ready.')) return true;
        if (child.exitCode !== null) throw new Error(`npm start exited early:\n${text}`);
        return undefined;
      },
      { timeoutMs: PROCESS_START_MS, what: 'npm start to print "Gateway ready."' },
    );
    return {
      output: () => text,
      async stop() {
        process.kill(-child.pid!, 'SIGINT');
        await exited;
        running.delete(child);
      },
    };
  }

  function readmeCurl(apiKey: string): Promise<Response> {
    return fetch(`http://127.0.0.1:${ports.DATA_PLANE_PORT}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'simulator/echo', messages: [{ role: 'user', content: 'Hello, gateway' }] }),
    });
  }

  it('prints a working dev key once, and a restart seeds nothing and still serves', { timeout: CHAOS_TEST_TIMEOUT_MS }, async () => {
    const first = await start();
    const devKey = (await readFile(join(dataDir, 'dev-key'), 'utf8')).trim();
    expect(first.output()).toContain(devKey);
    expect(first.output()).toContain(`http://127.0.0.1:${ports.DATA_PLANE_PORT}/v1`);
    const response = await readmeCurl(devKey);
    expect(response.status).toBe(200);
    expect((await response.json()) as unknown).toMatchObject({ choices: [{ message: { content: 'Echo: Hello, gateway' } }] });
    await first.stop();
    expect(first.output()).toContain('SIGINT: shutting down');

    const second = await start();
    expect(second.output()).toContain('seed already exists');
    expect(second.output()).not.toContain(devKey);
    expect((await readmeCurl(devKey)).status).toBe(200);
    await second.stop();
  });
});
