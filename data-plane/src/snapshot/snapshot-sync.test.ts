// Snapshot delivery against a fake control plane: first snapshot, deltas, rejection and resync, the
// disk copy that lets a data plane start while the control plane is down, and /healthz and /models.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hashSecret } from '../../../shared/src/crypto.ts';
import { RESTRICTED_API_KEY, startDataPlaneFixture, TEST_API_KEY, type DataPlaneFixture } from '../testing/data-plane-fixture.ts';

const UPSTREAM = 'http://127.0.0.1:9/v1'; // never called in these tests
let fixture: DataPlaneFixture | null = null;

afterEach(async () => {
  await fixture?.close();
  fixture = null;
});

async function getJson(url: string, apiKey?: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, { headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {} });
  return { status: response.status, body: await response.json() };
}

describe('snapshot sync', () => {
  it('answers 503 on /healthz before the first snapshot and 200 with its version after', async () => {
    fixture = await startDataPlaneFixture(UPSTREAM, { publish: false });
    expect(await getJson(`${fixture.dataPlane.url}/healthz`)).toEqual({ status: 503, body: { status: 'starting', snapshotVersion: null } });
    expect(fixture.dataPlane.snapshotVersion()).toBeNull();
    const { testSnapshotState } = await import('../testing/data-plane-fixture.ts');
    await fixture.controlPlane.publish(testSnapshotState(UPSTREAM));
    await fixture.dataPlane.waitForSnapshot(1);
    expect(await getJson(`${fixture.dataPlane.url}/healthz`)).toEqual({ status: 200, body: { status: 'ok', snapshotVersion: 1 } });
  });

  it('applies deltas: a revoked key is refused once the new version arrives', async () => {
    fixture = await startDataPlaneFixture(UPSTREAM);
    const models = await getJson(`${fixture.dataPlane.url}/v1/models`, TEST_API_KEY);
    expect(models.status).toBe(200);
    const { [hashSecret(TEST_API_KEY)]: _revoked, ...apiKeys } = fixture.controlPlane.state.apiKeys;
    const version = await fixture.controlPlane.publish({ ...fixture.controlPlane.state, apiKeys });
    await fixture.dataPlane.waitForSnapshot(version);
    expect(fixture.dataPlane.snapshotVersion()).toBe(2);
    expect((await getJson(`${fixture.dataPlane.url}/v1/models`, TEST_API_KEY)).status).toBe(401);
  });

  it('applies a delta too large to apply in place (its keys merged in the feed worker): a revoked key is refused, new keys served, the others kept', async () => {
    fixture = await startDataPlaneFixture(UPSTREAM);
    const { [hashSecret(TEST_API_KEY)]: revoked, ...apiKeys } = fixture.controlPlane.state.apiKeys;
    // More keys than a delta applied in place holds (apply-parsed-snapshot.ts IN_PLACE_MAX_ENTRIES).
    for (let index = 0; index < 2_500; index++) apiKeys[hashSecret(`sk-gw-bulk-${index}`)] = { ...revoked!, id: `key_bulk_${index}` };
    const version = await fixture.controlPlane.publish({ ...fixture.controlPlane.state, apiKeys });
    await fixture.dataPlane.waitForSnapshot(version);
    expect(fixture.controlPlane.subscriptions).toEqual([null]);
    expect((await getJson(`${fixture.dataPlane.url}/v1/models`, TEST_API_KEY)).status).toBe(401);
    expect((await getJson(`${fixture.dataPlane.url}/v1/models`, 'sk-gw-bulk-2499')).status).toBe(200);
    expect((await getJson(`${fixture.dataPlane.url}/v1/models`, 'sk-gw-bulk-2500')).status).toBe(401);
    expect((await getJson(`${fixture.dataPlane.url}/v1/models`, RESTRICTED_API_KEY)).body).toMatchObject({ data: [{ id: 'other/echo' }] });
    // Its log line outweighs the state file, which is written whole again (the keys' JSON by the feed worker).
    const stored = async () => JSON.parse(await readFile(join(fixture!.stateDir, 'snapshot.json'), 'utf8')) as { version: number; state: unknown };
    await expect.poll(async () => (await stored()).version).toBe(version);
    expect((await stored()).state).toEqual(fixture.controlPlane.state);
  });

  it('rejects a message with a bad signature and resubscribes for a full snapshot', async () => {
    fixture = await startDataPlaneFixture(UPSTREAM);
    const subscriptionsBefore = fixture.controlPlane.subscriptions.length;
    fixture.controlPlane.sendRaw({ version: 2, jws: 'eyJhbGciOiJFZERTQSJ9.e30.AAAA' });
    await expect.poll(() => fixture!.controlPlane.subscriptions.slice(subscriptionsBefore)).toContain(null);
    expect(fixture.dataPlane.snapshotVersion()).toBe(1);
    // Still in sync afterwards.
    const version = await fixture.controlPlane.publish({ ...fixture.controlPlane.state, orgs: { ...fixture.controlPlane.state.orgs } });
    await fixture.dataPlane.waitForSnapshot(version);
  });

  it('starts from its disk copy while the control plane is down, and resumes from that version', async () => {
    fixture = await startDataPlaneFixture(UPSTREAM);
    await fixture.dataPlane.close();
    const stored = JSON.parse(await readFile(join(fixture.stateDir, 'snapshot.json'), 'utf8')) as { version: number };
    expect(stored.version).toBe(1);

    const controlPlaneUrl = 'http://127.0.0.1:9'; // nothing listens there
    const offline = await fixture.restart({ controlPlaneUrl });
    expect(offline.snapshotVersion()).toBe(1);
    expect((await getJson(`${offline.url}/v1/models`, TEST_API_KEY)).status).toBe(200);
    await offline.close();

    await fixture.restart();
    await expect.poll(() => fixture!.controlPlane.subscriptions).toEqual([null, '1']);
    // And it still follows new versions.
    const version = await fixture.controlPlane.publish({ ...fixture.controlPlane.state, orgs: {} });
    await fixture.dataPlane.waitForSnapshot(version);
    expect((await getJson(`${fixture.dataPlane.url}/v1/models`, TEST_API_KEY)).status).toBe(401);
  });

  it('moves on to the next control-plane replica when the one it subscribes to does not answer, and follows it', async () => {
    fixture = await startDataPlaneFixture(UPSTREAM);
    await fixture.dataPlane.close();
    const subscriptionsBefore = fixture.controlPlane.subscriptions.length;
    // The first replica in the list is down (nothing listens on port 9): the data plane resubscribes to the second.
    await fixture.restart({ controlPlaneUrl: ['http://127.0.0.1:9', fixture.controlPlane.url] });
    await expect.poll(() => fixture!.controlPlane.subscriptions.slice(subscriptionsBefore)).toEqual(['1']);
    const version = await fixture.controlPlane.publish({ ...fixture.controlPlane.state, orgs: {} });
    await fixture.dataPlane.waitForSnapshot(version);
    expect((await getJson(`${fixture.dataPlane.url}/v1/models`, TEST_API_KEY)).status).toBe(401);
  });

  it('logs deltas beside its state file instead of rewriting it, and starts from both while the control plane is down', async () => {
    fixture = await startDataPlaneFixture(UPSTREAM);
    const { [hashSecret(TEST_API_KEY)]: _revoked, ...apiKeys } = fixture.controlPlane.state.apiKeys;
    await fixture.controlPlane.publish({ ...fixture.controlPlane.state, apiKeys });
    const version = await fixture.controlPlane.publish({ ...fixture.controlPlane.state, orgs: { ...fixture.controlPlane.state.orgs } });
    await fixture.dataPlane.waitForSnapshot(version);
    await fixture.dataPlane.close();
    expect((JSON.parse(await readFile(join(fixture.stateDir, 'snapshot.json'), 'utf8')) as { version: number }).version).toBe(1);
    const logged = (await readFile(join(fixture.stateDir, 'snapshot-deltas.jws'), 'utf8')).trim().split('\n');
    expect(logged.map((line) => (JSON.parse(line) as { version: number }).version)).toEqual([2, 3]);

    const offline = await fixture.restart({ controlPlaneUrl: 'http://127.0.0.1:9' });
    expect(offline.snapshotVersion()).toBe(version);
    expect((await getJson(`${offline.url}/v1/models`, TEST_API_KEY)).status).toBe(401);
  });

  it('takes in a full snapshot sent in parts, and starts from its disk copy of it', async () => {
    fixture = await startDataPlaneFixture(UPSTREAM, { fullSnapshotPartEntries: 2 });
    expect(fixture.controlPlane.fullSnapshotEnvelopes.length).toBeGreaterThan(2);
    expect(fixture.dataPlane.snapshotVersion()).toBe(1);
    expect((await getJson(`${fixture.dataPlane.url}/v1/models`, TEST_API_KEY)).status).toBe(200);
    await fixture.dataPlane.close();
    const offline = await fixture.restart({ controlPlaneUrl: 'http://127.0.0.1:9' });
    expect(offline.snapshotVersion()).toBe(1);
    expect((await getJson(`${offline.url}/v1/models`, TEST_API_KEY)).status).toBe(200);
  });

  it('rejects a part of a full snapshot that does not follow the parts before it, and resubscribes for a full snapshot', async () => {
    fixture = await startDataPlaneFixture(UPSTREAM, { fullSnapshotPartEntries: 2 });
    const subscriptionsBefore = fixture.controlPlane.subscriptions.length;
    // Signed, but alone: the data plane must not take a part's entries for the whole state.
    fixture.controlPlane.sendRaw(fixture.controlPlane.fullSnapshotEnvelopes[1]!);
    await expect.poll(() => fixture!.controlPlane.subscriptions.slice(subscriptionsBefore)).toContain(null);
    expect(fixture.dataPlane.snapshotVersion()).toBe(1);
    const version = await fixture.controlPlane.publish({ ...fixture.controlPlane.state, orgs: { ...fixture.controlPlane.state.orgs } });
    await fixture.dataPlane.waitForSnapshot(version);
    expect((await getJson(`${fixture.dataPlane.url}/v1/models`, TEST_API_KEY)).status).toBe(200);
  });

  it('ignores a disk copy whose state does not match its signed message', async () => {
    fixture = await startDataPlaneFixture(UPSTREAM);
    await fixture.dataPlane.close();
    const path = join(fixture.stateDir, 'snapshot.json');
    const stored = JSON.parse(await readFile(path, 'utf8')) as { state: { orgs: Record<string, { allowedModels: unknown }> } };
    stored.state.orgs.org_restricted!.allowedModels = null; // a local edit that widens access
    await writeFile(path, JSON.stringify(stored));
    const offline = await fixture.restart({ controlPlaneUrl: 'http://127.0.0.1:9' });
    expect(offline.snapshotVersion()).toBeNull();
  });

  // proc(5) stat: field 19 the nice value, field 41 the scheduling policy (5: SCHED_IDLE).
  it.runIf(process.platform === 'linux')('runs its snapshot feed thread at the idle scheduling policy, below the request loop', async () => {
    fixture = await startDataPlaneFixture(UPSTREAM);
    const idleThreads = async () => {
      const threads = await readdir('/proc/self/task');
      const fields = await Promise.all(
        threads.map((thread) =>
          readFile(`/proc/self/task/${thread}/stat`, 'utf8').then(
            (stat) => stat.split(') ')[1]!.split(' '),
            () => [],
          ),
        ),
      );
      return fields.filter((stat) => stat[38] === '5').map((stat) => stat[16]);
    };
    // Other test files' data planes may share this process: at least this one's feed thread.
    await expect.poll(idleThreads).toContain('19');
  });
});
