// The tRPC admin face in-process (createCaller): organizations, API keys, catalog, auth and tenant isolation.
import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { hashSecret } from '../../../../shared/src/crypto.ts';
import { GatewayError } from '../../../../shared/src/errors.ts';
import { testEngines } from '../../../../test/support/test-database.ts';
import { createTestApp, type TestApp } from '../../../../test/support/create-test-app.ts';

describe.each(testEngines)('tRPC admin procedures on %s', (engine) => {
  let testApp: TestApp;
  beforeAll(async () => {
    testApp = await createTestApp(engine);
  });
  afterAll(async () => {
    await testApp?.close();
  });

  test('create an org, then create, list and revoke a key in it', async () => {
    const admin = testApp.caller(testApp.app.adminToken);
    const org = await admin.organizations.create({ name: '  Acme  ' });
    expect(org.name).toBe('Acme');

    const expiresAt = new Date(Date.now() + 86_400_000);
    const created = await admin.apiKeys.create({ orgId: org.id, name: 'ci', expiresAt });
    expect(created.key).toMatch(/^sk-gw-[A-Za-z0-9_-]{43}$/);
    expect(created).toMatchObject({ orgId: org.id, name: 'ci', prefix: 'sk-gw-', last4: created.key.slice(-4), revokedAt: null, expiresAt });
    expect(created).not.toHaveProperty('keyHash');
    const stored = await testApp.app.services.prisma.apiKey.findUniqueOrThrow({ where: { id: created.id } });
    expect(stored.keyHash).toBe(hashSecret(created.key));

    const { key: _secret, ...view } = created;
    expect(await admin.apiKeys.list({ orgId: org.id })).toEqual([view]);

    const revoked = await admin.apiKeys.revoke({ id: created.id });
    expect(revoked.revokedAt).toBeInstanceOf(Date);
    expect((await admin.apiKeys.list({ orgId: org.id }))[0]?.revokedAt).toEqual(revoked.revokedAt);

    const audit = await testApp.app.services.prisma.auditLog.findMany({
      where: { target: { in: [`org:${org.id}`, `api-key:${created.id}`] } },
      orderBy: { id: 'asc' },
    });
    expect(audit.map((row) => row.action)).toEqual(['organization.create', 'api-key.create', 'api-key.revoke']);
  });

  test('calls without a valid admin token are refused', async () => {
    await expect(testApp.caller(null).models.list()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(testApp.caller('gwa-wrong').organizations.create({ name: 'x' })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    // A data-plane token is not an admin token.
    await expect(testApp.caller(testApp.app.dataPlaneToken).models.list()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  test("one org's admin cannot see or touch another org's keys", async () => {
    const owner = testApp.caller(testApp.app.adminToken);
    const org = await owner.organizations.create({ name: 'Victim' });
    const key = await owner.apiKeys.create({ orgId: org.id, name: 'secret' });

    const intruder = await testApp.createAdmin('intruder@example.com');
    const other = testApp.caller(intruder.token);
    await other.organizations.create({ name: 'Intruder Inc' });

    for (const attempt of [
      () => other.apiKeys.list({ orgId: org.id }),
      () => other.apiKeys.create({ orgId: org.id, name: 'backdoor' }),
      () => other.apiKeys.revoke({ id: key.id }),
    ]) {
      const error = await attempt().then(
        () => null,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(TRPCError);
      expect((error as TRPCError).code).toBe('NOT_FOUND');
      expect((error as TRPCError).cause).toBeInstanceOf(GatewayError);
    }
    const stored = await testApp.app.services.prisma.apiKey.findUniqueOrThrow({ where: { id: key.id } });
    expect(stored.revokedAt).toBeNull();
    expect(await testApp.app.services.prisma.apiKey.count({ where: { orgId: org.id } })).toBe(1);
  });

  test('only platform admins change the catalog; upserts are visible in models.list', async () => {
    const platform = testApp.caller(testApp.app.adminToken);
    const provider = await platform.catalog.upsertProvider({ slug: 'local', baseUrl: 'http://127.0.0.1:9999/v1' });
    expect(provider).toMatchObject({ slug: 'local', kind: 'openai-compatible', apiKeyEnv: null, enabled: true });
    const moved = await platform.catalog.upsertProvider({ slug: 'local', baseUrl: 'http://127.0.0.1:9998/v1' });
    expect(moved.id).toBe(provider.id);

    await platform.catalog.upsertModel({
      id: 'local/tiny',
      name: 'Tiny',
      endpoint: { providerSlug: 'local', upstreamModel: 'tiny-1', prices: { prompt: 3000, completion: 15000, cacheRead: 300 } },
    });
    const model = (await platform.models.list()).find((entry) => entry.id === 'local/tiny');
    expect(model?.endpoints).toEqual([
      {
        providerId: provider.id,
        providerSlug: 'local',
        upstreamModel: 'tiny-1',
        priority: 0,
        weight: 1,
        priceOverridden: false,
        prices: { prompt: 3000, completion: 15000, cacheRead: 300, cacheWrite: null },
      },
    ]);

    const member = await testApp.createAdmin('member@example.com');
    await expect(testApp.caller(member.token).catalog.upsertProvider({ slug: 'evil', baseUrl: 'http://evil.example/v1' })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    await expect(
      platform.catalog.upsertModel({ id: 'nope/x', name: 'X', endpoint: { providerSlug: 'nope', upstreamModel: 'x', prices: { prompt: 1, completion: 1 } } }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  test('catalog.import, setModelEnabled and overrideModelPrices are platform-admin operations', async () => {
    const platform = testApp.caller(testApp.app.adminToken);
    expect(await platform.catalog.import()).toMatchObject({ modelsCreated: 0, modelsUpdated: 0 });
    const disabled = await platform.catalog.setModelEnabled({ id: 'openai/gpt-4o', enabled: false });
    expect(disabled).toMatchObject({ id: 'openai/gpt-4o', enabled: false, source: 'import' });
    const overridden = await platform.catalog.overrideModelPrices({ id: 'openai/gpt-4o', providerSlug: 'openai', prices: { prompt: 10, completion: 20 } });
    expect(overridden.endpoints[0]).toMatchObject({ priceOverridden: true, prices: { prompt: 10, completion: 20, cacheRead: null, cacheWrite: null } });
    await expect(platform.catalog.setModelEnabled({ id: 'openai/no-such-model', enabled: false })).rejects.toMatchObject({ code: 'NOT_FOUND' });

    const member = testApp.caller((await testApp.createAdmin('catalog-member@example.com')).token);
    await expect(member.catalog.import()).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(member.catalog.setModelEnabled({ id: 'openai/gpt-4o', enabled: true })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(
      member.catalog.overrideModelPrices({ id: 'openai/gpt-4o', providerSlug: 'openai', prices: { prompt: 0, completion: 0 } }),
    ).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
  });

  test('invalid input is a BAD_REQUEST, not an internal error', async () => {
    const admin = testApp.caller(testApp.app.adminToken);
    await expect(admin.organizations.create({ name: '   ' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    const org = await admin.organizations.create({ name: 'Past' });
    await expect(admin.apiKeys.create({ orgId: org.id, name: 'old', expiresAt: new Date(Date.now() - 1000) })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});
