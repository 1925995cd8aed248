// Issue 13, defect 5: a provider base URL could name an internal target (cloud metadata, Redis on
// loopback, the same address spelled in hex, a name that resolves inward, credentials in the URL) and the
// data plane would call it with the provider key. The attack on both planes: an admin saves such URLs
// (refused, nothing stored), and a snapshot that already points at a private address (a name that
// resolves to one, or an old row) gets a 502 from the data plane, which never connects to it.
import { lookup } from 'node:dns/promises';
import { hostname } from 'node:os';
import { describe, expect, test } from 'vitest';
import { useSimulatedDataPlane } from '../support/simulated-data-plane.ts';
import { TEST_API_KEY, TEST_MODEL, testSnapshotState } from '../../data-plane/src/testing/data-plane-fixture.ts';
import { useControlPlaneOnPglite, trpcAs, trpcCode } from '../support/control-plane-on-pglite.ts';

/** This machine's own name: it resolves to a loopback or private address on any host the tests run on. */
const OWN_HOSTNAME = hostname();

describe('provider base URLs that point inward are refused when saved', () => {
  const controlPlane = useControlPlaneOnPglite({});

  const inward = [
    'http://169.254.169.254/latest/meta-data/',
    'http://metadata.google.internal/computeMetadata/v1',
    'http://127.0.0.1:6379',
    'http://0x7f000001/v1',
    'http://2130706433/v1',
    'http://[::1]:4000/v1',
    'http://[::ffff:127.0.0.1]/v1',
    'http://[fd00:ec2::254]/latest',
    'http://10.0.0.5/v1',
    'http://localhost:4000/v1',
    'https://user:pass@api.example.com/v1',
  ];

  function saveProvider(slug: string, baseUrl: string): Promise<string> {
    return trpcAs(controlPlane, controlPlane.adminToken)
      .catalog.upsertProvider.mutate({ slug, baseUrl })
      .then(
        () => 'saved',
        (error: unknown) => `${trpcCode(error)}: ${error instanceof Error ? error.message : String(error)}`,
      );
  }

  test.each(inward)('%s is refused and nothing is stored', async (baseUrl) => {
    expect(await saveProvider('evil', baseUrl)).toMatch(/^BAD_REQUEST: baseUrl /);
    expect(await controlPlane.prisma.provider.findUnique({ where: { slug: 'evil' } })).toBeNull();
  });

  test('a name that resolves to a private address is refused after resolution', async () => {
    expect((await lookup(OWN_HOSTNAME, { all: true })).length).toBeGreaterThan(0);
    expect(await saveProvider('rebind', `http://${OWN_HOSTNAME}:6379/v1`)).toContain(`${OWN_HOSTNAME.toLowerCase()} resolves to`);
    expect(await controlPlane.prisma.provider.findUnique({ where: { slug: 'rebind' } })).toBeNull();
  });

  test('a public provider URL is still saved', async () => {
    expect(await saveProvider('public', 'https://api.example.com/v1')).toBe('saved');
  });
});

describe('the data plane refuses to connect to a private address at call time', () => {
  const { simulator, fixture } = useSimulatedDataPlane({ fixture: { allowPrivateUpstreams: false } });

  async function chat(): Promise<{ status: number; body: { error?: { code: string; message: string } } }> {
    const response = await fetch(`${fixture.dataPlane.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: TEST_MODEL, messages: [{ role: 'user', content: 'hi' }] }),
    });
    return { status: response.status, body: (await response.json()) as { error?: { code: string; message: string } } };
  }

  test('a loopback base URL in the snapshot gets a 502 and the upstream is never called', async () => {
    const answer = await chat();
    expect(answer.status).toBe(502);
    expect(answer.body.error?.message).toContain('private, loopback or link-local');
    expect(simulator.requests).toHaveLength(0);
  });

  test('a name that resolves to a private address gets the same 502 (checked on every new connection)', async () => {
    const port = new URL(simulator.baseUrl).port;
    const version = await fixture.controlPlane.publish(testSnapshotState(`http://${OWN_HOSTNAME}:${port}/v1`));
    await fixture.dataPlane.waitForSnapshot(version);
    const answer = await chat();
    expect(answer.status).toBe(502);
    expect(answer.body.error?.message).toContain('private, loopback or link-local');
    expect(simulator.requests).toHaveLength(0);
  });
});
