// A data plane killed with SIGKILL in the middle of traffic loses no usage: after a restart, every
// request that completed with a 200 has exactly one usage row (and one ledger debit).
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, SIMULATOR_MODEL, type Gateway } from '../support/gateway-harness.ts';
import { testEngines } from '../support/test-database.ts';
import { countUsageRows } from '../support/usage-rows.ts';
import { freePort, waitFor } from '../support/free-port.ts';

describe.each(testEngines)('data plane SIGKILL during traffic (%s)', (engine) => {
  let gateway: Gateway;
  let child: ChildProcess | null = null;
  let port: number;

  beforeAll(async () => {
    gateway = await startGateway(engine);
    // This suite runs the data plane as a separate process, so it can be killed for real.
    await gateway.dataPlane!.close();
    gateway.dataPlane = null;
    port = await freePort();
    gateway.simulator.scenario = () => ({ chunkDelayMs: 2 });
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    await gateway?.close();
  });

  function startChild(): Promise<true> {
    child = spawn(process.execPath, ['--import', 'tsx', 'data-plane/src/main.ts'], {
      env: {
        ...process.env,
        DATA_PLANE_PORT: String(port),
        CONTROL_PLANE_URL: gateway.controlPlane!.url,
        DATA_PLANE_TOKEN: gateway.controlPlane!.dataPlaneToken,
        SNAPSHOT_PUBLIC_KEY_FILE: join(gateway.dataDir, 'keys', 'snapshot-signing.public.jwk'),
        DATA_PLANE_STATE_DIR: join(gateway.dataDir, 'child-data-plane'),
        USAGE_FLUSH_INTERVAL_MS: '20',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    return waitFor(
      () =>
        fetch(`http://127.0.0.1:${port}/healthz`).then(
          (response) => (response.ok ? true : undefined),
          () => undefined,
        ),
      { timeoutMs: 20_000, what: 'the data plane child to become healthy' },
    );
  }

  async function completeOneRequest(index: number): Promise<string | null> {
    const stream = index % 2 === 0;
    const response = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${gateway.apiKey}` },
      body: JSON.stringify({ model: SIMULATOR_MODEL, stream, messages: [{ role: 'user', content: `request number ${index}` }] }),
    });
    const text = await response.text();
    const complete = response.status === 200 && (stream ? text.endsWith('data: [DONE]\n\n') : JSON.parse(text).object === 'chat.completion');
    return complete ? response.headers.get('x-request-id') : null;
  }

  it('every request that got a 200 has exactly one usage row after restart', async () => {
    await startChild();
    const succeeded: string[] = [];
    let next = 0;
    let killed = false;
    const worker = async () => {
      while (!killed) {
        const id = await completeOneRequest(next++).catch(() => null);
        if (id) succeeded.push(id);
      }
    };
    const workers = Array.from({ length: 8 }, worker);
    await waitFor(() => (succeeded.length >= 60 ? true : undefined), { timeoutMs: 20_000, what: '60 successful requests' });
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child!.kill('SIGKILL');
    killed = true;
    await Promise.all(workers);
    await exited;

    await startChild();
    const counts = await waitFor(
      async () => {
        const current = await countUsageRows(gateway, succeeded);
        return [...current.values()].every((count) => count === 1) ? current : undefined;
      },
      { timeoutMs: 20_000, what: 'usage rows for every successful request' },
    );
    expect(counts.size).toBe(succeeded.length);
    expect(new Set(counts.values())).toEqual(new Set([1]));
    const prisma = gateway.controlPlane!.prisma;
    expect(await prisma.ledgerEntry.count({ where: { kind: 'usage' } })).toBe(await prisma.usageRecord.count());
  });
});
