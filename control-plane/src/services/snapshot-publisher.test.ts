// The data plane's snapshot subscription, in-process: spend floors then a full snapshot on connect,
// signed deltas after changes, resume by version and floor position.
import type { TrackedEnvelope } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createSnapshotSigner, createSnapshotVerifier, generateSnapshotSigningKeys, hashSecret, type SnapshotVerifier } from '../../../shared/src/crypto.ts';
import { parseChannelPosition, type ChannelEnvelope, type ChannelMessage } from '../../../shared/src/data-plane-channel.ts';
import { applySnapshotChanges, emptySnapshotState, hashSnapshotState, snapshotSections, type SnapshotMessage } from '../../../shared/src/snapshot.ts';
import type { SpendFloorMessage } from '../../../shared/src/spend-floors.ts';
import { testEngines } from '../../../test/support/test-database.ts';
import { createTestApp, type TestApp } from '../../../test/support/create-test-app.ts';
import type { PrismaClient } from '../../generated/prisma/client.ts';
import { createSnapshotPublisher } from './snapshot-publisher.ts';
import { captureLogger } from '../../../test/support/capture-log.ts';

describe.each(testEngines)('snapshot subscription on %s', (engine) => {
  let testApp: TestApp;
  let verifier: SnapshotVerifier;
  const { logger, lines: logLines } = captureLogger('debug');

  /** A whole compile of the same database gives the same state and hash: after a restart the version stays. */
  async function expectWholeCompileAgrees() {
    const { version, state } = testApp.app.services.publisher;
    await testApp.restart();
    expect(testApp.app.services.publisher.version).toBe(version);
    expect(testApp.app.services.publisher.state).toEqual(state);
  }

  beforeAll(async () => {
    testApp = await createTestApp(engine, { logger });
    verifier = await createSnapshotVerifier(testApp.app.publicJwk);
  });
  afterAll(async () => {
    await testApp?.close();
  });

  async function subscribe(lastEventId?: string) {
    const controller = new AbortController();
    const caller = testApp.caller(testApp.app.dataPlaneToken, controller.signal);
    const iterable = (await caller.dataPlane.snapshot({ lastEventId })) as AsyncIterable<TrackedEnvelope<ChannelEnvelope>>;
    const iterator = iterable[Symbol.asyncIterator]();
    async function nextMessage(): Promise<{ id: string; envelope: ChannelEnvelope; message: ChannelMessage }> {
      const result = await iterator.next();
      if (result.done) throw new Error('subscription ended');
      const [id, envelope] = result.value;
      return { id, envelope, message: await verifier.verify(envelope.jws) };
    }
    return {
      /** The next snapshot message, skipping spend floors. */
      async next(): Promise<{ id: string; version: number; message: SnapshotMessage }> {
        for (;;) {
          const { id, envelope, message } = await nextMessage();
          if (message.kind !== 'spend-floors' && 'version' in envelope) return { id, version: envelope.version, message };
        }
      },
      /** The next message of either kind. */
      async nextOfAnyKind(): Promise<{ id: string; message: ChannelMessage }> {
        return nextMessage();
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
    expect(parseChannelPosition(first.id).version).toBe(first.version);
    expect(first.message.version).toBe(first.version);
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
    });
    expect(state.models['simulator/echo']?.endpoints[0]?.prices).toEqual({ prompt: 150, completion: 600, cacheRead: null, cacheWrite: null });
    // The catalog's priority and weight travel with each endpoint: the data planes balance by them.
    expect(state.models['simulator/echo']?.endpoints[0]).toMatchObject({ priority: 0, weight: 1 });

    await testApp.caller(testApp.app.adminToken).apiKeys.revoke({ id: devKey.id });
    const second = await subscription.next();
    expect(second.message).toMatchObject({
      kind: 'delta',
      fromVersion: first.version,
      changes: { apiKeys: { upsert: {}, remove: [devKey.keyHash] } },
    });
    expect(second.version).toBeGreaterThan(first.version);
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

  test('spend floors come first, with the seed grant, and a ledger entry sends only that org as an update, without a snapshot version', async () => {
    const publisher = testApp.app.services.publisher;
    const orgId = (await testApp.app.services.prisma.organization.findFirstOrThrow({ where: { name: 'Dev Org' } })).id;
    const subscription = await subscribe();
    const first = await subscription.nextOfAnyKind();
    expect(first.message).toMatchObject({ kind: 'spend-floors', epoch: publisher.spendFloors.epoch, checkpoint: true });
    const checkpoint = first.message as SpendFloorMessage;
    // The seed's $10 grant; nothing spent yet.
    expect(checkpoint.orgs[orgId]).toEqual({ creditsMicros: 10_000_000, usageDebitedMicros: 0, day: new Date().toISOString().slice(0, 10), userMicros: {} });
    expect(parseChannelPosition(first.id).floors).toEqual({ epoch: checkpoint.epoch, seq: checkpoint.seq });
    const full = await subscription.nextOfAnyKind();
    expect(full.message.kind).toBe('full');
    const version = publisher.version;

    await testApp.caller(testApp.app.adminToken).billing.addLedgerEntry({ orgId, kind: 'grant', amountMicros: 2_500_000, note: 'floor test' });
    const update = await subscription.nextOfAnyKind();
    expect(update.message).toEqual({
      kind: 'spend-floors',
      epoch: checkpoint.epoch,
      seq: checkpoint.seq + 1,
      checkpoint: false,
      orgs: { [orgId]: { ...checkpoint.orgs[orgId], creditsMicros: 12_500_000 } },
    });
    expect(parseChannelPosition(update.id)).toEqual({ version, floors: { epoch: checkpoint.epoch, seq: checkpoint.seq + 1 } });
    await publisher.settled();
    expect(publisher.version).toBe(version);
    await subscription.stop();

    // Resuming at the checkpoint gets the update alone, then nothing for the snapshot it already has.
    const resumed = await subscribe(first.id.replace(/^\d+/, String(version)));
    expect((await resumed.nextOfAnyKind()).message).toEqual(update.message);
    await resumed.stop();
  });

  test('an admin token cannot subscribe', async () => {
    const caller = testApp.caller(testApp.app.adminToken);
    await expect(caller.dataPlane.snapshot({})).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  test('creating and revoking a key or changing a policy reads only that row, and the state stays what a whole compile gives', async () => {
    const admin = testApp.caller(testApp.app.adminToken);
    const { publisher } = testApp.app.services;
    const orgId = (await testApp.app.services.prisma.organization.findFirstOrThrow({ where: { name: 'Dev Org' } })).id;
    logLines.length = 0;
    const created = await admin.apiKeys.create({ orgId, name: 'one row' });
    await publisher.settled();
    await admin.apiKeys.revoke({ id: created.id });
    await publisher.settled();
    await admin.policies.update({ orgId, deniedProviders: ['simulator'] });
    await publisher.settled();
    expect(logLines.filter((line) => line.startsWith('snapshot version'))).toEqual([
      expect.stringMatching(/^snapshot version \d+ \(1 key and 0 organization rows read, /),
      expect.stringMatching(/^snapshot version \d+ \(1 key and 0 organization rows read, /),
      expect.stringMatching(/^snapshot version \d+ \(0 key and 1 organization rows read, /),
    ]);
    expect(publisher.state.orgs[orgId]?.deniedProviders).toEqual(['simulator']);
    await expectWholeCompileAgrees();
  });

  test('removing a member and creating or deleting a BYOK key read only those rows, and the state stays what a whole compile gives', async () => {
    const admin = testApp.caller(testApp.app.adminToken);
    const { publisher, prisma } = testApp.app.services;
    const orgId = (await prisma.organization.findFirstOrThrow({ where: { name: 'Dev Org' } })).id;
    const user = await prisma.user.create({ data: { email: `leaving-${Date.now()}@example.com` } });
    await prisma.membership.create({ data: { orgId, userId: user.id, role: 'member', dailyLimitMicros: 5_000_000n } });
    const key = await admin.apiKeys.create({ orgId, name: 'leaving', userId: user.id });
    await admin.members.setDailyLimit({ orgId, userId: user.id, dailyLimitMicros: 5_000_000 });
    await publisher.settled();
    expect(publisher.state.orgs[orgId]?.userDailyLimitMicros[user.id]).toBe(5_000_000);
    const keyHash = Object.keys(publisher.state.apiKeys).find((hash) => publisher.state.apiKeys[hash]!.id === key.id)!;
    logLines.length = 0;
    await admin.members.remove({ orgId, userId: user.id });
    await publisher.settled();
    const provider = await prisma.provider.findFirstOrThrow({ where: { enabled: true } });
    const credential = await admin.byok.create({ orgId, provider: provider.slug, key: 'sk-byok-publisher-test-1234' });
    await publisher.settled();
    expect(publisher.state.byokCredentials[credential.id]).toMatchObject({ orgId, providerId: provider.id, last4: '1234' });
    await admin.byok.delete({ id: credential.id });
    await publisher.settled();
    expect(logLines.filter((line) => line.startsWith('snapshot version'))).toEqual([
      expect.stringMatching(/^snapshot version \d+ \(1 key and 1 organization rows read, /),
      expect.stringMatching(/^snapshot version \d+ \(1 BYOK credential, 0 key and 0 organization rows read, /),
      // The deleted credential's row is not found: its entry is removed.
      expect.stringMatching(/^snapshot version \d+ \(0 key and 0 organization rows read, /),
    ]);
    expect(publisher.state.apiKeys[keyHash]).toBeUndefined();
    expect(publisher.state.orgs[orgId]?.userDailyLimitMicros[user.id]).toBeUndefined();
    expect(publisher.state.byokCredentials[credential.id]).toBeUndefined();
    await expectWholeCompileAgrees();
  });

  test('catalog changes read only their rows and send only the changed model or provider; the state stays what a whole compile gives', async () => {
    const admin = testApp.caller(testApp.app.adminToken);
    const { publisher, prisma } = testApp.app.services;
    const prices = { prompt: 7, completion: 11, cacheRead: null, cacheWrite: null };
    await admin.catalog.upsertProvider({ slug: 'second-provider', baseUrl: 'https://second.example/v1' });
    await admin.catalog.upsertModel({
      id: 'second-provider/other',
      name: 'Other',
      endpoint: { providerSlug: 'second-provider', upstreamModel: 'other', prices },
    });
    await admin.catalog.upsertModel({
      id: 'second-provider/priced',
      name: 'Priced',
      endpoint: { providerSlug: 'second-provider', upstreamModel: 'priced', prices },
    });
    await publisher.settled();
    const second = await prisma.provider.findUniqueOrThrow({ where: { slug: 'second-provider' } });
    const subscription = await subscribe();
    await subscription.next();
    logLines.length = 0;

    await admin.catalog.overrideModelPrices({ id: 'second-provider/priced', providerSlug: 'second-provider', prices: { ...prices, prompt: 9 } });
    await publisher.settled();
    const priced = await subscription.next();
    expect(priced.message).toMatchObject({ kind: 'delta', changes: { models: { remove: [] } } });
    if (priced.message.kind !== 'delta') throw new Error('expected a delta');
    expect(Object.keys(priced.message.changes)).toEqual(['models']);
    expect(Object.keys(priced.message.changes.models!.upsert)).toEqual(['second-provider/priced']);
    expect(publisher.state.models['second-provider/priced']?.endpoints[0]?.prices.prompt).toBe(9);

    await admin.catalog.setModelEnabled({ id: 'second-provider/other', enabled: false });
    await publisher.settled();
    expect((await subscription.next()).message).toMatchObject({ kind: 'delta', changes: { models: { upsert: {}, remove: ['second-provider/other'] } } });

    // Disabling the provider takes it away, and the models it alone serves (their endpoints are gone).
    await admin.catalog.upsertProvider({ slug: 'second-provider', baseUrl: 'https://second.example/v1', enabled: false });
    await publisher.settled();
    const disabled = await subscription.next();
    expect(disabled.message).toMatchObject({
      kind: 'delta',
      changes: { providers: { upsert: {}, remove: [second.id] }, models: { upsert: {}, remove: ['second-provider/priced'] } },
    });
    await admin.catalog.upsertProvider({ slug: 'second-provider', baseUrl: 'https://second.example/v1', enabled: true });
    await publisher.settled();
    expect(Object.keys(publisher.state.models).filter((id) => id.startsWith('second-provider/'))).toEqual(['second-provider/priced']);
    await subscription.stop();
    expect(logLines.filter((line) => line.startsWith('snapshot version'))).toEqual([
      expect.stringMatching(/^snapshot version \d+ \(1 model, 0 key and 0 organization rows read, /),
      expect.stringMatching(/^snapshot version \d+ \(1 model, 0 key and 0 organization rows read, /),
      // The provider's row, and the two models with an endpoint on it (one of them disabled).
      expect.stringMatching(/^snapshot version \d+ \(1 provider, 2 model, 0 key and 0 organization rows read, /),
      expect.stringMatching(/^snapshot version \d+ \(1 provider, 2 model, 0 key and 0 organization rows read, /),
    ]);
    await expectWholeCompileAgrees();
  });

  test('a full snapshot larger than a part goes as signed parts of that size, which leave the position where it was until the last', async () => {
    const signingKeys = await generateSnapshotSigningKeys();
    const publisher = createSnapshotPublisher({
      prisma: testApp.app.services.prisma,
      signer: await createSnapshotSigner(signingKeys.privateJwk),
      byok: { compile: async () => ({}), compileSome: async () => ({}) },
      fullSnapshotPartEntries: 2,
    });
    await publisher.start();
    const partVerifier = await createSnapshotVerifier(signingKeys.publicJwk);
    const controller = new AbortController();
    const parts: Array<{ id: string; message: Extract<SnapshotMessage, { kind: 'full' }> }> = [];
    for await (const { eventId, envelope } of publisher.subscribe(null, controller.signal)) {
      if ('spendFloors' in envelope) continue;
      const message = await partVerifier.verify(envelope.jws);
      if (message.kind !== 'full') throw new Error(`expected a part of a full snapshot, got ${message.kind}`);
      parts.push({ id: eventId, message });
      if (message.part === undefined || message.part.index === message.part.count - 1) break;
    }
    controller.abort();
    await publisher.close();
    const { version } = publisher;
    expect(parts.length).toBeGreaterThan(2);
    expect(parts.map(({ message }) => message.part)).toEqual(parts.map((_, index) => ({ index, count: parts.length })));
    expect(parts.map(({ id }) => parseChannelPosition(id).version)).toEqual([...parts.map(() => 0).slice(1), version]);
    const whole = emptySnapshotState();
    for (const { message } of parts) {
      expect(message).toMatchObject({ version, stateHash: parts[0]!.message.stateHash });
      const entries = snapshotSections.flatMap((section) => Object.entries(message.state[section]));
      expect(entries.length).toBeGreaterThan(0);
      expect(entries.length).toBeLessThanOrEqual(2);
      for (const section of snapshotSections) Object.assign(whole[section], message.state[section]);
    }
    expect(hashSnapshotState(whole)).toBe(parts[0]!.message.stateHash);
    expect(whole).toEqual(publisher.state);
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

describe('a first compile that fails', () => {
  test('start() rejects with the database error, not only that the publisher has no snapshot', async () => {
    const signingKeys = await generateSnapshotSigningKeys();
    const expired = new Error('Transaction already closed: the transaction expired');
    // Every model query builds a request; the transaction that runs them fails, as one past its timeout does.
    const table = new Proxy({}, { get: () => () => Promise.resolve([]) });
    const prisma = new Proxy({} as PrismaClient, {
      get: (_target, name) => (name === '$transaction' ? () => Promise.reject(expired) : table),
    });
    const publisher = createSnapshotPublisher({
      prisma,
      signer: await createSnapshotSigner(signingKeys.privateJwk),
      byok: { compile: async () => ({}), compileSome: async () => ({}) },
    });
    await expect(publisher.start()).rejects.toThrow(/could not compile its first snapshot: Transaction already closed/);
    await publisher.close();
  });
});
