import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
// Every Prisma model is written and read back through the hand-written migration: if the SQL and
// schema.prisma disagree on a table, column, type or enum, a round trip here fails.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openDatabase, type Database } from './open-database.ts';
import { MIGRATIONS_DIR } from './run-migrations.ts';
import { createTestDatabase, testEngines, type TestDatabase } from '../../../test/support/test-database.ts';

describe.each(testEngines)('schema round trip on %s', (engine) => {
  let testDatabase: TestDatabase;
  let database: Database;
  let closed = false;

  beforeAll(async () => {
    // Bare: this suite applies the migrations itself.
    testDatabase = await createTestDatabase(engine, { migrated: false });
    database = await openDatabase({ dataDir: join(testDatabase.dataDir, 'pglite'), databaseUrl: testDatabase.databaseUrl });
  });
  afterAll(async () => {
    if (!closed) await database.close();
    await testDatabase?.drop();
  });

  test('migrations are applied once and recorded like Prisma Migrate records them', async () => {
    // Every folder, in name order; listed from disk so a new migration needs no edit here.
    const migrations = (await readdir(MIGRATIONS_DIR, { withFileTypes: true }))
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
    expect(migrations.slice(0, 2)).toEqual(['20261125000000_init', '20261126000000_catalog_import']);
    expect(database.migrations.applied).toEqual(migrations);
    const rows = await database.prisma.$queryRaw<{ migration_name: string; checksum: string; finished_at: Date | null; applied_steps_count: number }[]>`
      SELECT migration_name, checksum, finished_at, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name`;
    expect(rows.map((row) => row.migration_name)).toEqual(migrations);
    for (const row of rows) {
      expect(row).toMatchObject({ applied_steps_count: 1 });
      expect(row.checksum).toMatch(/^[0-9a-f]{64}$/);
      expect(row.finished_at).toBeInstanceOf(Date);
    }
  });

  test('running the migrations again applies nothing', async () => {
    await database.close();
    database = await openDatabase({ dataDir: join(testDatabase.dataDir, 'pglite'), databaseUrl: testDatabase.databaseUrl });
    expect(database.migrations.applied).toEqual([]);
  });

  test('every model round-trips', async () => {
    const prisma = database.prisma;
    const at = new Date('2026-11-25T10:00:00.123Z');

    const org = await prisma.organization.create({ data: { name: 'Acme', balanceMicros: -9_007_199_254_740_993n, createdAt: at } });
    expect(await prisma.organization.findUniqueOrThrow({ where: { id: org.id } })).toEqual(org);
    expect(org.balanceMicros).toBe(-9_007_199_254_740_993n);

    const user = await prisma.user.create({ data: { email: 'a@example.com', name: 'A', isPlatformAdmin: true } });
    expect(await prisma.user.findUniqueOrThrow({ where: { id: user.id } })).toEqual(user);

    for (const role of ['owner', 'admin', 'member', 'billing'] as const) {
      const member = await prisma.user.create({ data: { email: `${role}@example.com` } });
      const dailyLimitMicros = role === 'member' ? 9_007_199_254_740_993n : null;
      const membership = await prisma.membership.create({ data: { orgId: org.id, userId: member.id, role, dailyLimitMicros } });
      expect(membership.dailyLimitMicros).toBe(dailyLimitMicros);
      expect(await prisma.membership.findUniqueOrThrow({ where: { orgId_userId: { orgId: org.id, userId: member.id } } })).toEqual(membership);
    }

    const apiKey = await prisma.apiKey.create({
      data: {
        orgId: org.id,
        userId: user.id,
        name: 'k',
        keyHash: 'h1',
        prefix: 'sk-gw-',
        last4: 'abcd',
        expiresAt: at,
        revokedAt: at,
        lastUsedAt: at,
        restrictModels: true,
        allowedModels: ['acme/*', 'acme/m-1'],
        restrictProviders: true,
        allowedProviders: ['acme'],
      },
    });
    expect(await prisma.apiKey.findUniqueOrThrow({ where: { keyHash: 'h1' } })).toEqual(apiKey);
    const unscoped = await prisma.apiKey.create({ data: { orgId: org.id, userId: user.id, name: 'u', keyHash: 'h0', prefix: 'sk-gw-', last4: 'efgh' } });
    expect(unscoped).toMatchObject({ restrictModels: false, allowedModels: [], restrictProviders: false, allowedProviders: [] });
    expect(await prisma.apiKey.findUniqueOrThrow({ where: { keyHash: 'h0' } })).toEqual(unscoped);

    const withPassword = await prisma.user.update({ where: { id: user.id }, data: { passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA' } });
    expect(await prisma.user.findUniqueOrThrow({ where: { id: user.id } })).toEqual(withPassword);
    const failure = await prisma.loginFailure.create({ data: { email: 'a@example.com', client: '::1', failures: 5, lockedUntil: at, lastFailureAt: at } });
    expect(await prisma.loginFailure.findUniqueOrThrow({ where: { email_client: { email: 'a@example.com', client: '::1' } } })).toEqual(failure);
    const session = await prisma.session.create({
      data: { userId: user.id, secretHash: 'h-session', userAgent: 'test', client: '::1', expiresAt: at, revokedAt: at },
    });
    expect(await prisma.session.findUniqueOrThrow({ where: { secretHash: 'h-session' } })).toEqual(session);

    const adminToken = await prisma.adminToken.create({ data: { userId: user.id, name: 't', tokenHash: 'h2', revokedAt: at } });
    expect(await prisma.adminToken.findUniqueOrThrow({ where: { tokenHash: 'h2' } })).toEqual(adminToken);

    const dataPlaneToken = await prisma.dataPlaneToken.create({ data: { name: 'dp', tokenHash: 'h3' } });
    expect(await prisma.dataPlaneToken.findUniqueOrThrow({ where: { tokenHash: 'h3' } })).toEqual(dataPlaneToken);

    const provider = await prisma.provider.create({
      data: { slug: 'acme', kind: 'openai-compatible', baseUrl: 'http://x/v1', apiKeyEnv: 'ACME_KEY', enabled: false },
    });
    expect(await prisma.provider.findUniqueOrThrow({ where: { slug: 'acme' } })).toEqual(provider);
    await expect(prisma.provider.create({ data: { slug: 'bad', kind: 'carrier-pigeon', baseUrl: 'x' } })).rejects.toThrow();

    const model = await prisma.model.create({
      data: {
        id: 'acme/m-1',
        name: 'M 1',
        contextLength: 128_000,
        enabled: false,
        createdAt: at,
        description: 'A model.',
        maxOutputTokens: 8192,
        inputModalities: ['text', 'image', 'pdf'],
        outputModalities: ['text', 'audio'],
        supportsTools: true,
        supportsReasoning: true,
        source: 'import',
      },
    });
    expect(await prisma.model.findUniqueOrThrow({ where: { id: 'acme/m-1' } })).toEqual(model);
    const defaults = await prisma.model.create({ data: { id: 'acme/m-0', name: 'M 0' } });
    expect(defaults).toMatchObject({ inputModalities: ['text'], outputModalities: ['text'], supportsTools: false, supportsReasoning: false, source: 'admin' });
    expect(await prisma.model.findUniqueOrThrow({ where: { id: 'acme/m-0' } })).toEqual(defaults);
    await expect(prisma.model.create({ data: { id: 'acme/bad', name: 'Bad', source: 'rumour' } })).rejects.toThrow();

    const endpoint = await prisma.modelEndpoint.create({
      data: {
        modelId: model.id,
        providerId: provider.id,
        upstreamModel: 'm-1',
        priority: 3,
        promptPriceNanos: 150n,
        completionPriceNanos: 600n,
        cacheReadPriceNanos: 75n,
        cacheWritePriceNanos: null,
        priceTiers: { prompt: [{ start: 200_000, price: 300 }] },
        priceOverridden: true,
      },
    });
    expect(await prisma.modelEndpoint.findUniqueOrThrow({ where: { id: endpoint.id } })).toEqual(endpoint);
    const flat = await prisma.modelEndpoint.create({
      data: { modelId: defaults.id, providerId: provider.id, upstreamModel: 'm-0', promptPriceNanos: 1n, completionPriceNanos: 2n },
    });
    expect(flat).toMatchObject({ priceTiers: null, priceOverridden: false });
    expect(await prisma.modelEndpoint.findUniqueOrThrow({ where: { id: flat.id } })).toEqual(flat);

    const policy = await prisma.orgPolicy.create({
      data: {
        orgId: org.id,
        restrictModels: true,
        allowedModels: ['acme/*', 'openai/gpt-4o-mini'],
        restrictProviders: true,
        allowedProviders: ['acme', 'openai'],
        deniedProviders: ['xai'],
        dailyLimitMicros: 5_000_000n,
      },
    });
    expect(await prisma.orgPolicy.findUniqueOrThrow({ where: { orgId: org.id } })).toEqual(policy);
    const otherOrg = await prisma.organization.create({ data: { name: 'Defaults' } });
    const defaultPolicy = await prisma.orgPolicy.create({ data: { orgId: otherOrg.id } });
    expect(defaultPolicy).toMatchObject({ restrictProviders: false, allowedProviders: [], deniedProviders: [], dailyLimitMicros: null });
    await expect(prisma.orgPolicy.update({ where: { orgId: otherOrg.id }, data: { dailyLimitMicros: -1n } })).rejects.toThrow();

    const byok = await prisma.byokCredential.create({
      data: {
        orgId: org.id,
        userId: null,
        providerId: provider.id,
        ciphertext: new Uint8Array([1, 2, 3]),
        iv: new Uint8Array([4]),
        authTag: new Uint8Array([5]),
        wrappedDataKey: new Uint8Array([6, 7]),
        masterKeyVersion: 2,
        last4: 'wxyz',
      },
    });
    expect(await prisma.byokCredential.findUniqueOrThrow({ where: { id: byok.id } })).toEqual(byok);

    const usage = await prisma.usageRecord.create({
      data: {
        requestId: 'req-1',
        orgId: org.id,
        userId: user.id,
        apiKeyId: apiKey.id,
        requestedModel: 'acme/m-1',
        servedModel: 'm-1-2026',
        providerId: provider.id,
        byok: true,
        promptTokens: 10,
        completionTokens: 20,
        cacheReadTokens: 3,
        cacheWriteTokens: 4,
        reasoningTokens: 5,
        costMicros: 12_345_678_901_234n,
        upstreamCostMicros: 17n,
        usageEstimated: true,
        ttftMs: 12.5,
        upstreamLatencyMs: null,
        totalLatencyMs: 99.25,
        status: 499,
        finishReason: 'stop',
        errorCode: 'client_closed',
        streamed: true,
        startedAt: at,
        finishedAt: at,
      },
    });
    expect(await prisma.usageRecord.findUniqueOrThrow({ where: { requestId: 'req-1' } })).toEqual(usage);

    for (const kind of ['grant', 'purchase', 'usage', 'adjustment'] as const) {
      const entry = await prisma.ledgerEntry.create({
        data: { orgId: org.id, kind, amountMicros: -123n, usageRequestId: kind === 'usage' ? 'req-1' : null, note: kind },
      });
      expect(await prisma.ledgerEntry.findUniqueOrThrow({ where: { id: entry.id } })).toEqual(entry);
    }
    await expect(prisma.ledgerEntry.create({ data: { orgId: org.id, kind: 'usage', amountMicros: -1n, usageRequestId: 'req-1' } })).rejects.toThrow();

    const daily = await prisma.usageDaily.create({
      data: {
        orgId: org.id,
        day: new Date('2026-11-25'),
        userId: user.id,
        apiKeyId: apiKey.id,
        requestedModel: 'acme/m-1',
        providerId: provider.id,
        byok: true,
        requests: 9_007_199_254_740_993n,
        promptTokens: 10n,
        completionTokens: 20n,
        cacheReadTokens: 3n,
        cacheWriteTokens: 4n,
        reasoningTokens: 5n,
        costMicros: 12_345_678_901_234n,
      },
    });
    const dailyKey = { orgId: org.id, day: daily.day, userId: user.id, apiKeyId: apiKey.id, requestedModel: 'acme/m-1', providerId: provider.id, byok: true };
    expect(await prisma.usageDaily.findUniqueOrThrow({ where: { orgId_day_userId_apiKeyId_requestedModel_providerId_byok: dailyKey } })).toEqual(daily);

    const audit = await prisma.auditLog.create({
      data: { actor: user.id, action: 'test.action', target: `org:${org.id}`, orgId: org.id, details: { nested: { list: [1, 'two'] } } },
    });
    expect(await prisma.auditLog.findUniqueOrThrow({ where: { id: audit.id } })).toEqual(audit);
    const platformAudit = await prisma.auditLog.create({ data: { actor: user.id, action: 'test.platform', target: 'catalog' } });
    expect(platformAudit.orgId).toBeNull();
    expect(await prisma.auditLog.findUniqueOrThrow({ where: { id: platformAudit.id } })).toEqual(platformAudit);

    const first = await prisma.snapshotVersion.create({ data: { stateHash: 'a'.repeat(64) } });
    const second = await prisma.snapshotVersion.create({ data: { stateHash: 'b'.repeat(64) } });
    expect(second.version).toBeGreaterThan(first.version);
    expect(await prisma.snapshotVersion.findUniqueOrThrow({ where: { version: first.version } })).toEqual(first);
  });

  test('a database whose applied migration was edited is refused (runs last: it leaves the database closed)', async () => {
    await database.prisma.$executeRaw`UPDATE "_prisma_migrations" SET checksum = ${'0'.repeat(64)}`;
    await database.close();
    closed = true;
    await expect(openDatabase({ dataDir: join(testDatabase.dataDir, 'pglite'), databaseUrl: testDatabase.databaseUrl })).rejects.toThrow(
      /was modified after it was applied/,
    );
  });
});
