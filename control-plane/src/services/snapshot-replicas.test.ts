// Two control-plane replicas over one PostgreSQL: a change made through one reaches the other's
// subscribers (LISTEN/NOTIFY), configuration as a snapshot delta, a ledger entry as a spend floor. PGlite is single-process, so this runs on PostgreSQL only.
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { TrackedEnvelope } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createSnapshotVerifier } from '../../../shared/src/crypto.ts';
import type { ChannelEnvelope } from '../../../shared/src/data-plane-channel.ts';
import { createControlPlaneApp, type ControlPlaneApp } from '../app.ts';
import { createTestDatabase, testEngines, type TestDatabase } from '../../../test/support/test-database.ts';
import { createTestApp, type TestApp } from '../../../test/support/create-test-app.ts';
import { createContextInner } from '../context.ts';
import { createCallerFactory } from '../trpc/init.ts';
import { appRouter } from '../trpc/routers/_app.ts';

describe.skipIf(!testEngines.includes('postgresql'))('snapshot replicas on postgresql', () => {
  let first: TestApp;
  let secondFolder: TestDatabase;
  let second: ControlPlaneApp;

  beforeAll(async () => {
    first = await createTestApp('postgresql');
    // The second replica shares the database but not the data folder (its own tokens, same signing key).
    secondFolder = await createTestDatabase('pglite');
    await mkdir(join(secondFolder.dataDir, 'keys'));
    for (const file of ['snapshot-signing.private.jwk', 'snapshot-signing.public.jwk']) {
      await copyFile(join(first.database.dataDir, 'keys', file), join(secondFolder.dataDir, 'keys', file));
    }
    second = await createControlPlaneApp({ dataDir: secondFolder.dataDir, databaseUrl: first.database.databaseUrl });
  });
  afterAll(async () => {
    await second?.close();
    await secondFolder?.drop();
    await first?.close();
  });

  async function subscribeToSecond() {
    const controller = new AbortController();
    const caller = createCallerFactory(appRouter)(createContextInner(second.services, `Bearer ${second.dataPlaneToken}`), { signal: controller.signal });
    const iterator = ((await caller.dataPlane.snapshot({})) as AsyncIterable<TrackedEnvelope<ChannelEnvelope>>)[Symbol.asyncIterator]();
    const verifier = await createSnapshotVerifier(second.publicJwk);
    return {
      async next() {
        const result = await iterator.next();
        if (result.done) throw new Error('subscription ended');
        return verifier.verify(result.value[1].jws);
      },
      async stop() {
        controller.abort();
        await iterator.return?.();
      },
    };
  }

  test("a key revoked through one replica reaches the other replica's subscribers", async () => {
    const subscription = await subscribeToSecond();
    expect((await subscription.next()).kind).toBe('spend-floors');
    expect((await subscription.next()).kind).toBe('full');

    const devKey = await first.app.services.prisma.apiKey.findFirstOrThrow({ where: { name: 'dev' } });
    await first.caller(first.app.adminToken).apiKeys.revoke({ id: devKey.id });

    expect(await subscription.next()).toMatchObject({ kind: 'delta', changes: { apiKeys: { remove: [devKey.keyHash] } } });
    await subscription.stop();
  });

  test("a ledger entry made through one replica reaches the other replica's subscribers as a spend floor, not a snapshot", async () => {
    const subscription = await subscribeToSecond();
    expect((await subscription.next()).kind).toBe('spend-floors');
    expect((await subscription.next()).kind).toBe('full');
    const version = second.services.publisher.version;

    const orgId = (await first.app.services.prisma.organization.findFirstOrThrow({ where: { name: 'Dev Org' } })).id;
    const before = second.services.publisher.spendFloors.floor(orgId)?.creditsMicros ?? 0;
    await first.caller(first.app.adminToken).billing.addLedgerEntry({ orgId, kind: 'grant', amountMicros: 1_234, note: 'replica floor test' });

    expect(await subscription.next()).toMatchObject({ kind: 'spend-floors', checkpoint: false, orgs: { [orgId]: { creditsMicros: before + 1_234 } } });
    expect(second.services.publisher.version).toBe(version);
    await subscription.stop();
  });
});
