// `npm start` as a newcomer runs it: the gateway comes up, prints a dev key that works with the README's
// curl request, and a second start on the same data folder seeds nothing and still serves.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOpenAI } from '@ai-sdk/openai';
import { createTRPCClient, httpLink } from '@trpc/client';
import { generateText } from 'ai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AppRouter } from '../../control-plane/src/trpc/routers/_app.ts';
import { startAnthropicSimulator } from '../../simulators/anthropic/anthropic-simulator.ts';
import { freePort } from '../support/free-port.ts';
import { CHAOS_TEST_TIMEOUT_MS, PROCESS_START_MS } from '../support/eventually.ts';
import { waitFor } from '../support/wait-for.ts';
import { copyPgliteTemplate } from '../support/pglite-template.ts';

// Ctrl-C reaches the whole process group: npm start shuts down on its own SIGINT or on seeing its data plane
// (which got the same signal) exit, whichever it handles first; either way it shuts down by itself.
const SHUT_DOWN_BY_ITSELF = /(SIGINT|the data plane exited): shutting down/;

describe('npm start', () => {
  let dataDir: string;
  let ports: Record<'CONTROL_PLANE_PORT' | 'DATA_PLANE_PORT' | 'SIMULATOR_PORT', number>;
  const running = new Set<ChildProcess>();

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'gateway-npm-start-'));
    // Bare (no migrations applied): npm start migrates a newcomer's database.
    await copyPgliteTemplate(join(dataDir, 'pglite'), { migrated: false });
    ports = { CONTROL_PLANE_PORT: await freePort(), DATA_PLANE_PORT: await freePort(), SIMULATOR_PORT: await freePort() };
  });
  // A test that fails midway leaves its gateway running: stop it before the next start needs the same ports.
  afterEach(async () => {
    await Promise.all(
      [...running].map(async (child) => {
        // A child killed by a signal has no exit code, only a signal code.
        const exited = new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // The group is already gone.
        }
        await exited;
        running.delete(child);
      }),
    );
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  async function start(
    extraEnvironment: NodeJS.ProcessEnv = {},
  ): Promise<{ pid: number; output: () => string; exited: Promise<void>; stop: () => Promise<void> }> {
    const environment: NodeJS.ProcessEnv = { ...process.env, GATEWAY_DATA_DIR: dataDir, ...extraEnvironment };
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
      pid: child.pid!,
      output: () => text,
      exited,
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

    // No provider key is set: the banner says so, /models lists what can answer, and an imported
    // provider's model is refused at once, naming the variable, instead of being called without a key.
    expect(first.output()).toMatch(
      /Providers: +providers configured: simulator \(needs no key\); without a platform key \(BYOK only\): .*anthropic \(ANTHROPIC_API_KEY\)/,
    );
    const baseURL = `http://127.0.0.1:${ports.DATA_PLANE_PORT}/v1`;
    const listed = (await (await fetch(`${baseURL}/models`)).json()) as { data: Array<{ id: string }> };
    expect(listed.data.map((model) => model.id)).toEqual(['simulator/echo']);
    const unkeyed = await fetch(`${baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${devKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'anthropic/claude-sonnet-4.5', messages: [{ role: 'user', content: 'Hello' }] }),
    });
    expect(unkeyed.status).toBe(503);
    expect(await unkeyed.json()).toEqual({
      error: {
        message:
          "No provider key is configured for the model 'anthropic/claude-sonnet-4-5' (provider anthropic): set ANTHROPIC_API_KEY in the data plane's environment, " +
          "or add your organization's own key for it (BYOK).",
        type: 'server_error',
        code: 'provider_not_configured',
        param: 'model',
      },
    });

    // The banner names the admin console, and the control plane serves it and GraphiQL with nothing from a CDN.
    const controlPlaneUrl = `http://127.0.0.1:${ports.CONTROL_PLANE_PORT}`;
    expect(first.output()).toContain(`Admin console:                  ${controlPlaneUrl}/`);
    const consolePage = await fetch(`${controlPlaneUrl}/`);
    expect(consolePage.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const consoleHtml = await consolePage.text();
    const script = /<script type="module" crossorigin src="(\/assets\/[^"]+\.js)">/.exec(consoleHtml)?.[1];
    expect((await fetch(`${controlPlaneUrl}${script}`)).status).toBe(200);
    const graphiql = await (await fetch(`${controlPlaneUrl}/graphql`, { headers: { accept: 'text/html' } })).text();
    expect(graphiql).toContain('GraphiQL');
    expect(graphiql).not.toMatch(/<(script|link)[^>]+(src|href)="https?:/);
    await first.stop();
    expect(first.output()).toMatch(SHUT_DOWN_BY_ITSELF);

    const second = await start();
    expect(second.output()).toContain('seed already exists');
    expect(second.output()).not.toContain(devKey);
    expect((await readmeCurl(devKey)).status).toBe(200);
    await second.stop();
  });

  /** The parent of each live process, from /proc (Linux). */
  function parents(): Map<number, number> {
    const parentOf = new Map<number, number>();
    for (const entry of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
        parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
      } catch {
        // It exited between the listing and the read.
      }
    }
    return parentOf;
  }

  /** The data plane under `npm start` (started by the process group's leader `npm`) and its parent, the control plane's process. */
  function gatewayProcesses(npm: number): { dataPlane: number; controlPlane: number } {
    const parentOf = parents();
    const descendsFromNpm = (pid: number): boolean => {
      for (let ancestor = parentOf.get(pid); ancestor !== undefined && ancestor > 1; ancestor = parentOf.get(ancestor)) {
        if (ancestor === npm) return true;
      }
      return false;
    };
    const dataPlane = [...parentOf.keys()].find(
      (pid) => descendsFromNpm(pid) && readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').includes('data-plane/src/main.ts'),
    );
    expect(dataPlane, 'npm start has a data plane child').toBeDefined();
    return { dataPlane: dataPlane!, controlPlane: parentOf.get(dataPlane!)! };
  }

  /** The nice value of each thread of a process. */
  const niceValues = (pid: number) => readdirSync(`/proc/${pid}/task`).map((thread) => getPriority(Number(thread)));

  it.runIf(process.platform === 'linux')(
    "lowers the control plane's threads by CONTROL_PLANE_NICE once its data plane runs, and not the data plane's",
    { timeout: CHAOS_TEST_TIMEOUT_MS },
    async () => {
      const gateway = await start({ CONTROL_PLANE_NICE: '7' });
      try {
        const { dataPlane, controlPlane } = gatewayProcesses(gateway.pid);
        expect(readFileSync(`/proc/${controlPlane}/cmdline`, 'latin1')).toContain('scripts/start.ts');
        const own = getPriority();
        expect(new Set(niceValues(controlPlane))).toEqual(new Set([Math.min(19, own + 7)]));
        // The data plane's request loop (its main thread) keeps npm start's priority (its snapshot feed thread lowers itself).
        expect(getPriority(dataPlane)).toBe(own);
      } finally {
        await gateway.stop();
      }
    },
  );

  // tsx's command-line wrapper (what `npm start` ran before) relays Ctrl-C to its child and SIGKILLs it when
  // the child has not acknowledged within 60 ms: a loaded machine (or the control plane's lowered priority)
  // turned Ctrl-C into a kill of the embedded database mid-write. Stopped for longer than that, the gateway
  // must still shut down by itself once it runs again.
  it.runIf(process.platform === 'linux')(
    'shuts down gracefully on Ctrl-C even when the gateway cannot answer the signal at once',
    { timeout: CHAOS_TEST_TIMEOUT_MS },
    async () => {
      const gateway = await start();
      const { controlPlane } = gatewayProcesses(gateway.pid);
      process.kill(controlPlane, 'SIGSTOP');
      try {
        process.kill(-gateway.pid, 'SIGINT');
        await new Promise((resolve) => setTimeout(resolve, 500));
      } finally {
        try {
          process.kill(controlPlane, 'SIGCONT');
        } catch {
          // Killed while stopped (what the wrapper did).
        }
      }
      await gateway.exited;
      expect(gateway.output()).toMatch(SHUT_DOWN_BY_ITSELF);
      await expect.poll(() => existsSync(`/proc/${controlPlane}`)).toBe(false);
    },
  );

  it(
    "runs the hosted gateway's quick-start verbatim against the imported catalog, Anthropic pointed at its simulator",
    { timeout: CHAOS_TEST_TIMEOUT_MS },
    async () => {
      const anthropic = await startAnthropicSimulator({ apiKey: 'sk-ant-quick-start' });
      const gateway = await start({ ANTHROPIC_API_KEY: 'sk-ant-quick-start' });
      try {
        const dataPlaneUrl = `http://127.0.0.1:${ports.DATA_PLANE_PORT}`;
        const snapshotVersion = async () => ((await (await fetch(`${dataPlaneUrl}/healthz`)).json()) as { snapshotVersion: number }).snapshotVersion;
        const before = await snapshotVersion();
        const admin = createTRPCClient<AppRouter>({
          links: [
            httpLink({
              url: `http://127.0.0.1:${ports.CONTROL_PLANE_PORT}/trpc`,
              headers: { authorization: `Bearer ${(await readFile(join(dataDir, 'admin-token'), 'utf8')).trim()}` },
            }),
          ],
        });
        // The operator's one change: the imported provider `anthropic` reaches the simulator instead of Anthropic.
        await admin.catalog.upsertProvider.mutate({ slug: 'anthropic', kind: 'anthropic', baseUrl: anthropic.baseUrl, apiKeyEnv: 'ANTHROPIC_API_KEY' });
        await expect.poll(snapshotVersion).toBeGreaterThan(before);
        expect(gateway.output()).toMatch(/Providers: +providers configured: anthropic \(ANTHROPIC_API_KEY\), simulator \(needs no key\);/);

        const baseURL = `${dataPlaneUrl}/v1`;
        const apiKey = (await readFile(join(dataDir, 'dev-key'), 'utf8')).trim();
        // The hosted gateway's snippet, verbatim apart from baseURL and apiKey.
        const { text } = await generateText({
          model: createOpenAI({ baseURL, apiKey })('anthropic/claude-sonnet-4.5'),
          prompt: 'Invent a new holiday and describe its traditions.',
        });
        expect(text).toBe('Echo: Invent a new holiday and describe its traditions.');
        expect(anthropic.requests.at(-1)).toMatchObject({
          path: '/v1/messages',
          headers: { 'x-api-key': 'sk-ant-quick-start' },
          body: { model: 'claude-sonnet-4-5' },
        });

        // Listed once, under the catalog's id, with the ids that also name it.
        const models = (await (await fetch(`${baseURL}/models`)).json()) as { data: Array<{ id: string; aliases: string[] }> };
        const sonnet = models.data.filter((model) => model.id === 'anthropic/claude-sonnet-4-5' || model.aliases.includes('anthropic/claude-sonnet-4.5'));
        expect(sonnet).toEqual([
          expect.objectContaining({ id: 'anthropic/claude-sonnet-4-5', aliases: expect.arrayContaining(['anthropic/claude-sonnet-4.5']) }),
        ]);
      } finally {
        await gateway.stop();
        await anthropic.close();
      }
    },
  );
});
