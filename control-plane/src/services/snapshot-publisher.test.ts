// The data plane's snapshot subscription, in-process: full on connect, signed deltas after changes,
// resume by version.
import type { TrackedEnvelope } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createSnapshotVerifier, hashSecret, type SnapshotVerifier } from '../../../shared/src/crypto.ts';
import type { SnapshotEnvelope } from '../../../shared/src/data-plane-channel.ts';
import { applySnapshotChanges, hashSnapshotState, type SnapshotMessage } from '../../../shared/src/snapshot.ts';
import { testEngines } from '../../../test/support/test-database.ts';
import { createTestApp, type TestApp } from '../../../test/support/create-test-app.ts';

describe.each(testEngines)('snapshot subscription on %s', (engine) => {
  let testApp: TestApp;
  let verifier: SnapshotVerifier;

  beforeAll(async () => {
    testApp = await createTestApp(engine);
    verifier = await createSnapshotVerifier(testApp.app.publicJwk);
  });
  afterAll(async () => {
    await testApp?.close();
  });

  async function subscribe(lastEventId?: string) {
    const controller = new AbortController();
    const caller = testApp.caller(testApp.app.dataPlaneToken, controller.signal);
    const iterable = (await caller.dataPlane.snapshot({ lastEventId })) as AsyncIterable<TrackedEnvelope<SnapshotEnvelope>>;
    const iterator = iterable[Symbol.asyncIterator]();
    return {
      async next(): Promise<{ id: string; envelope: SnapshotEnvelope; message: SnapshotMessage }> {
        const result = await iterator.next();
        if (result.done) throw new Error('subscription ended');
        const [id, envelope] = result.value;
        return { id, envelope, message: await verifier.verify(envelope.jws) };
      },
      async stop() {
        controller.abort();
        await iterator.return?.();
      },
    };
  }

  test('full on connect, then a delta with a higher version after a key is revoked', async () => {
    const subscription = await subscribe();
    const first = await subscription.next();
    expect(first.message.kind).toBe('full');
    expect(first.id).toBe(String(first.envelope.version));
    expect(first.message.version).toBe(first.envelope.version);
    if (first.message.kind !== 'full') throw new Error('expected a full snapshot');
    const state = first.message.state;
    expect(hashSnapshotState(state)).toBe(first.message.stateHash);
    const devKey = await testApp.app.services.prisma.apiKey.findFirstOrThrow({ where: { name: 'dev' } });
    expect(state.apiKeys[devKey.keyHash]).toEqual({
      id: devKey.id,
      orgId: devKey.orgId,
      userId: devKey.userId,
      name: 'dev',
      expiresAt: null,
      scopes: { models: null, providers: null },
    });
    expect(state.orgs[devKey.orgId]).toEqual({
      id: devKey.orgId,
      name: 'Dev Org',
      allowedModels: null,
      allowedProviders: null,
      deniedProviders: [],
      dailyLimitMicros: null,
      userDailyLimitMicros: {},
      // The seed's $10 grant; nothing spent yet.
      creditsMicros: 10_000_000,
      usageDebitedMicros: 0,
      usageToday: { day: new Date().toISOString().slice(0, 10), userMicros: {} },
    });
    expect(state.models['simulator/echo']?.endpoints[0]?.prices).toEqual({ prompt: 150, completion: 600, cacheRead: null, cacheWrite: null });

    await testApp.caller(testApp.app.adminToken).apiKeys.revoke({ id: devKey.id });
    const second = await subscription.next();
    expect(second.message).toMatchObject({
      kind: 'delta',
      fromVersion: first.envelope.version,
      changes: { apiKeys: { upsert: {}, remove: [devKey.keyHash] } },
    });
    expect(second.envelope.version).toBeGreaterThan(first.envelope.version);
    if (second.message.kind !== 'delta') throw new Error('expected a delta');
    const next = applySnapshotChanges(state, second.message.changes);
    expect(hashSnapshotState(next)).toBe(second.message.stateHash);
    expect(next).toEqual(testApp.app.services.publisher.state);
    await subscription.stop();
  });

  test('resuming from a known version gets one delta; from an unknown version, a full snapshot', async () => {
    const admin = testApp.caller(testApp.app.adminToken);
    const known = testApp.app.services.publisher.version;
    const org = await admin.organizations.create({ name: 'Resumers' });
    const created = await admin.apiKeys.create({ orgId: org.id, name: 'resume' });
    await testApp.app.services.publisher.settled();
    expect(testApp.app.services.publisher.version).toBeGreaterThan(known);

    const resumed = await subscribe(String(known));
    const delta = await resumed.next();
    expect(delta.message).toMatchObject({ kind: 'delta', fromVersion: known, version: testApp.app.services.publisher.version });
    if (delta.message.kind !== 'delta') throw new Error('expected a delta');
    expect(Object.keys(delta.message.changes.apiKeys?.upsert ?? {})).toEqual([hashSecret(created.key)]);
    expect(Object.keys(delta.message.changes.orgs?.upsert ?? {})).toEqual([org.id]);
    await resumed.stop();

    const unknown = await subscribe('999999999');
    expect((await unknown.next()).message.kind).toBe('full');
    await unknown.stop();
  });

  test('an admin token cannot subscribe', async () => {
    const caller = testApp.caller(testApp.app.adminToken);
    await expect(caller.dataPlane.snapshot({})).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  test('versions survive a restart and do not move when nothing changed', async () => {
    const before = testApp.app.services.publisher.version;
    await testApp.restart();
    expect(testApp.app.services.publisher.version).toBe(before);
    await testApp.caller(testApp.app.adminToken).organizations.create({ name: 'After restart' });
    await testApp.app.services.publisher.settled();
    expect(testApp.app.services.publisher.version).toBeGreaterThan(before);
  });
});
