// The rules inside the allowed BYOK operations, which the authorization matrix cannot see: members keep
// to their own per-user keys, a second key for the same owner and provider replaces the first, input is
// checked without echoing the key, and neither the row nor the audit log holds it.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { testEngines } from '../../../../test/support/test-database.ts';
import { createTestApp, type TestApp } from '../../../../test/support/create-test-app.ts';
import { openSecret, sealSecret } from './envelope-encryption.ts';
import type { MasterKeyring } from './master-keyring.ts';
import { rotateByokMasterKey } from './rotate-master-key.ts';

describe.each(testEngines)('BYOK credentials on %s', (engine) => {
  let testApp: TestApp;
  let orgId: string;
  let owner: ReturnType<TestApp['caller']>;
  const users = {} as Record<'member' | 'other' | 'billing', { userId: string; token: string }>;

  beforeAll(async () => {
    testApp = await createTestApp(engine);
    const created = await testApp.createAdmin('owner@byok.example');
    owner = testApp.caller(created.token);
    orgId = (await owner.organizations.create({ name: 'BYOK' })).id;
    for (const name of ['member', 'other', 'billing'] as const) {
      users[name] = await testApp.createAdmin(`${name}@byok.example`);
      await testApp.join(owner, { orgId, email: `${name}@byok.example`, role: name === 'billing' ? 'billing' : 'member' });
    }
  });
  afterAll(async () => {
    await testApp?.close();
  });

  test('a member manages only their own per-user keys; owners see and delete every key', async () => {
    const member = testApp.caller(users.member.token);
    const own = await member.byok.create({ orgId, provider: 'simulator', key: 'sk-member-own-key-0001', userId: users.member.userId });
    expect(own).toMatchObject({ userId: users.member.userId, last4: '0001', providerSlug: 'simulator' });
    await expect(member.byok.create({ orgId, provider: 'simulator', key: 'sk-member-org-key-0002' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(member.byok.create({ orgId, provider: 'simulator', key: 'sk-member-for-other-03', userId: users.other.userId })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    const orgKey = await owner.byok.create({ orgId, provider: 'simulator', key: 'sk-org-key-of-owner-04' });
    const othersKey = await owner.byok.create({ orgId, provider: 'simulator', key: 'sk-other-members-key-5', userId: users.other.userId });

    expect((await member.byok.list({ orgId })).map((row) => row.id)).toEqual([own.id]);
    expect((await owner.byok.list({ orgId })).map((row) => row.id).sort()).toEqual([own.id, orgKey.id, othersKey.id].sort());
    await expect(testApp.caller(users.billing.token).byok.list({ orgId })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(member.byok.delete({ id: orgKey.id })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(member.byok.delete({ id: othersKey.id })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(await member.byok.delete({ id: own.id })).toMatchObject({ id: own.id });
    await expect(member.byok.delete({ id: own.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await owner.byok.delete({ id: othersKey.id })).toMatchObject({ id: othersKey.id });
    await owner.byok.delete({ id: orgKey.id });
    expect(await owner.byok.list({ orgId })).toEqual([]);
  });

  test('a second key for the same owner and provider replaces the first', async () => {
    const first = await owner.byok.create({ orgId, provider: 'simulator', key: 'sk-first-org-key-aaaa' });
    const second = await owner.byok.create({ orgId, provider: 'simulator', key: 'sk-second-org-key-bbbb' });
    expect((await owner.byok.list({ orgId })).map((row) => [row.id, row.last4])).toEqual([[second.id, 'bbbb']]);
    const audit = await testApp.app.services.prisma.auditLog.findFirstOrThrow({ where: { target: `byok-credential:${second.id}` } });
    expect(audit).toMatchObject({ action: 'byok.create', details: { provider: 'simulator', userId: null, last4: 'bbbb', replaced: [first.id] } });
    await owner.byok.delete({ id: second.id });
  });

  test('bad input gets a clear error that never repeats the key, and nothing stored holds it', async () => {
    await expect(owner.byok.create({ orgId, provider: 'nope', key: 'sk-unknown-provider-01' })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: "unknown provider 'nope'",
    });
    const spaced = await owner.byok.create({ orgId, provider: 'simulator', key: 'sk-has whitespace-02' }).catch((error: unknown) => error as Error);
    expect(spaced).toMatchObject({ code: 'BAD_REQUEST' });
    expect(JSON.stringify(spaced)).not.toContain('whitespace-02');
    const outsider = await testApp.createAdmin('outsider@byok.example');
    await expect(owner.byok.create({ orgId, provider: 'simulator', key: 'sk-for-an-outsider-03', userId: outsider.userId })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });

    const secret = 'sk-stored-secret-must-not-appear-04';
    const created = await owner.byok.create({ orgId, provider: 'simulator', key: secret });
    const prisma = testApp.app.services.prisma;
    const row = await prisma.byokCredential.findUniqueOrThrow({ where: { id: created.id } });
    const stored = Buffer.concat([row.ciphertext, row.iv, row.authTag, row.wrappedDataKey]);
    expect(stored.includes(Buffer.from(secret))).toBe(false);
    const audit = await prisma.auditLog.findMany({ where: { action: { startsWith: 'byok.' } }, select: { target: true, details: true } });
    expect(JSON.stringify(audit)).not.toContain(secret);
    expect(Object.keys(created).sort()).toEqual(['createdAt', 'id', 'last4', 'masterKeyVersion', 'orgId', 'providerId', 'providerSlug', 'userId']);
  });

  test('rotation re-wraps every key in batches without touching its ciphertext, and reports keys whose master version is missing', async () => {
    const prisma = testApp.app.services.prisma;
    await prisma.byokCredential.deleteMany({ where: { orgId } });
    const before = testApp.app.services.byokKeyring;
    const secrets = ['sk-rotate-one-000001', 'sk-rotate-two-000002', 'sk-rotate-three-0003'];
    const members = [null, users.member.userId, users.other.userId];
    for (const [index, userId] of members.entries()) await owner.byok.create({ orgId, provider: 'simulator', key: secrets[index] as string, userId });
    const provider = await prisma.provider.findUniqueOrThrow({ where: { slug: 'simulator' } });
    const stray = { orgId, userId: users.billing.userId, providerId: provider.id };
    const orphanVersion: MasterKeyring = { currentVersion: 7, keys: new Map([[7, randomBytes(32)]]) };
    const strayRow = await prisma.byokCredential.create({ data: { ...stray, ...sealSecret(orphanVersion, stray, 'sk-stray-key-0004'), last4: '0004' } });
    const rowsBefore = await prisma.byokCredential.findMany({ where: { orgId, id: { not: strayRow.id } }, orderBy: { id: 'asc' } });

    const after: MasterKeyring = { currentVersion: 2, keys: new Map([...before.keys, [2, randomBytes(32)]]) };
    const system = { prisma, actor: { kind: 'system' as const, name: 'test' }, snapshotChanged: () => {} };
    const report = await rotateByokMasterKey(system, after, { batchSize: 2 });
    expect(report).toMatchObject({
      currentVersion: 2,
      rewrapped: 3,
      failed: [{ id: strayRow.id, masterKeyVersion: 7, reason: expect.stringContaining('master key version 7 is not configured') }],
    });
    expect(report.keysByVersion).toEqual([
      { masterKeyVersion: 2, count: 3 },
      { masterKeyVersion: 7, count: 1 },
    ]);

    const onlyNew: MasterKeyring = { currentVersion: 2, keys: new Map([[2, after.keys.get(2) as Buffer]]) };
    for (const old of rowsBefore) {
      const row = await prisma.byokCredential.findUniqueOrThrow({ where: { id: old.id } });
      expect(row.masterKeyVersion).toBe(2);
      expect(Buffer.from(row.ciphertext).equals(Buffer.from(old.ciphertext))).toBe(true);
      expect(Buffer.from(row.wrappedDataKey).equals(Buffer.from(old.wrappedDataKey))).toBe(false);
      expect(secrets).toContain(openSecret(onlyNew, row, row).secret);
    }
    expect(await rotateByokMasterKey(system, after)).toMatchObject({ rewrapped: 0 });
    await prisma.byokCredential.deleteMany({ where: { orgId } });
  });
});
