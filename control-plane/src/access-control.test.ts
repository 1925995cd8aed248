// What the authorization matrix cannot see: the rules inside an allowed action. Members keep to their
// own keys, owners stay, policies and key scopes are validated and reach the snapshot, the audit log
// filters and pages, and admin JWTs are checked strictly.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeJwt, SignJWT, generateKeyPair, importJWK, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { testEngines } from '../../test/support/test-database.ts';
import { createTestApp, type TestApp } from '../../test/support/create-test-app.ts';

describe.each(testEngines)('access control on %s', (engine) => {
  let testApp: TestApp;
  let orgId: string;
  let owner: ReturnType<TestApp['caller']>;
  let ownerId: string;
  const users = {} as Record<'admin' | 'member' | 'other', { userId: string; token: string; email: string }>;

  beforeAll(async () => {
    testApp = await createTestApp(engine);
    const created = await testApp.createAdmin('owner@access.example');
    ownerId = created.userId;
    owner = testApp.caller(created.token);
    orgId = (await owner.organizations.create({ name: 'Access' })).id;
    for (const name of ['admin', 'member', 'other'] as const) {
      const email = `${name}@access.example`;
      users[name] = { ...(await testApp.createAdmin(email)), email };
    }
    await testApp.join(owner, { orgId, email: users.admin.email, role: 'admin' });
    await testApp.join(owner, { orgId, email: users.member.email, role: 'member' });
    await testApp.join(owner, { orgId, email: users.other.email, role: 'member' });
  });
  afterAll(async () => {
    await testApp?.close();
  });

  test('members create, see and revoke only their own keys; admins see and revoke all', async () => {
    const member = testApp.caller(users.member.token);
    const own = await member.apiKeys.create({ orgId, name: 'mine' });
    const others = await testApp.caller(users.other.token).apiKeys.create({ orgId, name: 'theirs' });
    await expect(member.apiKeys.create({ orgId, name: 'for-someone', userId: users.other.userId })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect((await member.apiKeys.list({ orgId })).map((key) => key.id)).toEqual([own.id]);
    await expect(member.apiKeys.revoke({ id: others.id })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect((await member.apiKeys.revoke({ id: own.id })).revokedAt).toBeInstanceOf(Date);

    const admin = testApp.caller(users.admin.token);
    expect((await admin.apiKeys.list({ orgId })).map((key) => key.id)).toEqual(expect.arrayContaining([own.id, others.id]));
    const forMember = await admin.apiKeys.create({ orgId, name: 'issued', userId: users.member.userId });
    expect(forMember.userId).toBe(users.member.userId);
    expect((await admin.apiKeys.revoke({ id: others.id })).revokedAt).toBeInstanceOf(Date);
  });

  test('the last owner cannot be removed or demoted; only owners touch the owner role', async () => {
    await expect(owner.members.remove({ orgId, userId: ownerId })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(owner.members.setRole({ orgId, userId: ownerId, role: 'admin' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });

    const admin = testApp.caller(users.admin.token);
    await expect(admin.members.setRole({ orgId, userId: users.other.userId, role: 'owner' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(admin.members.remove({ orgId, userId: ownerId })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(await admin.members.setRole({ orgId, userId: users.other.userId, role: 'billing' })).toMatchObject({ role: 'billing' });

    // With a second owner, the first may step down.
    await owner.members.setRole({ orgId, userId: users.other.userId, role: 'owner' });
    expect(await owner.members.setRole({ orgId, userId: ownerId, role: 'admin' })).toMatchObject({ role: 'admin' });
    await testApp.caller(users.other.token).members.setRole({ orgId, userId: ownerId, role: 'owner' });
    await owner.members.setRole({ orgId, userId: users.other.userId, role: 'member' });
    const roles = Object.fromEntries((await owner.members.list({ orgId })).map((member) => [member.email, member.role]));
    expect(roles).toEqual({
      'owner@access.example': 'owner',
      'admin@access.example': 'admin',
      'member@access.example': 'member',
      'other@access.example': 'member',
    });
  });

  test('removing a member revokes their keys in that org', async () => {
    const leaver = await testApp.createAdmin('leaver@access.example');
    await testApp.join(owner, { orgId, email: 'leaver@access.example', role: 'member' });
    const key = await testApp.caller(leaver.token).apiKeys.create({ orgId, name: 'leaving' });
    await owner.members.remove({ orgId, userId: leaver.userId });
    const stored = await testApp.app.services.prisma.apiKey.findUniqueOrThrow({ where: { id: key.id } });
    expect(stored.revokedAt).toBeInstanceOf(Date);
    await expect(testApp.caller(leaver.token).apiKeys.list({ orgId })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  test('policies and key scopes are validated against the catalog and compiled into the snapshot', async () => {
    await expect(owner.policies.update({ orgId, allowedProviders: ['no-such-provider'] })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(owner.policies.update({ orgId, allowedModels: ['openai/*', 'simulator/no-such-model'] })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(owner.policies.update({ orgId, allowedModels: ['*'] })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(owner.apiKeys.create({ orgId, name: 'bad', scopes: { providers: ['nope'] } })).rejects.toMatchObject({ code: 'BAD_REQUEST' });

    const policy = await owner.policies.update({
      orgId,
      allowedModels: ['openai/*', 'simulator/echo'],
      allowedProviders: ['openai', 'simulator'],
      deniedProviders: ['anthropic'],
      dailyLimitMicros: 5_000_000,
    });
    expect(policy).toEqual({
      orgId,
      allowedModels: ['openai/*', 'simulator/echo'],
      allowedProviders: ['openai', 'simulator'],
      deniedProviders: ['anthropic'],
      dailyLimitMicros: 5_000_000,
      orgRpmLimit: null,
      orgTpmLimit: null,
      keyRpmLimit: null,
      keyTpmLimit: null,
    });
    // Omitted fields stay; null lifts a restriction.
    expect(await owner.policies.update({ orgId, allowedModels: null })).toMatchObject({
      allowedModels: null,
      allowedProviders: ['openai', 'simulator'],
      dailyLimitMicros: 5_000_000,
    });
    await owner.members.setDailyLimit({ orgId, userId: users.member.userId, dailyLimitMicros: 1_000_000 });
    const scoped = await owner.apiKeys.create({ orgId, name: 'scoped', scopes: { models: ['simulator/echo'], providers: ['simulator'] } });
    expect(scoped.scopes).toEqual({ models: ['simulator/echo'], providers: ['simulator'] });

    await testApp.app.services.publisher.settled();
    const state = testApp.app.services.publisher.state;
    expect(state.orgs[orgId]).toEqual({
      id: orgId,
      name: 'Access',
      allowedModels: null,
      allowedProviders: ['openai', 'simulator'],
      deniedProviders: ['anthropic'],
      dailyLimitMicros: 5_000_000,
      userDailyLimitMicros: { [users.member.userId]: 1_000_000 },
    });
    const compiledKey = Object.values(state.apiKeys).find((key) => key.id === scoped.id);
    expect(compiledKey?.scopes).toEqual({ models: ['simulator/echo'], providers: ['simulator'] });
    const unscoped = Object.values(state.apiKeys).find((key) => key.orgId === orgId && key.id !== scoped.id);
    expect(unscoped?.scopes).toEqual({ models: null, providers: null });
  });

  test('the audit log filters by action, actor and time, newest first, in pages', async () => {
    const before = new Date();
    for (const name of ['a1', 'a2', 'a3']) await owner.apiKeys.create({ orgId, name });
    const all = await owner.audit.list({ orgId, action: 'api-key.create', since: before });
    expect(all.entries.map((entry) => (entry.details as { name: string }).name)).toEqual(['a3', 'a2', 'a1']);
    expect(all.entries.every((entry) => entry.actor === `user:${ownerId}`)).toBe(true);

    const first = await owner.audit.list({ orgId, action: 'api-key.create', since: before, limit: 2 });
    expect(first.entries).toHaveLength(2);
    const second = await owner.audit.list({ orgId, action: 'api-key.create', since: before, limit: 2, cursor: first.nextCursor ?? undefined });
    expect(second).toMatchObject({ nextCursor: null });
    expect([...first.entries, ...second.entries]).toEqual(all.entries);

    expect((await owner.audit.list({ orgId, actor: `user:${users.admin.userId}`, action: 'api-key.create' })).entries.length).toBeGreaterThan(0);
    expect((await owner.audit.list({ orgId, until: before, action: 'api-key.create', since: before })).entries).toEqual([]);
    // Another org's rows never show.
    const otherOrg = await owner.organizations.create({ name: 'Other' });
    expect((await owner.audit.list({ orgId: otherOrg.id })).entries.map((entry) => entry.action)).toEqual(['organization.create']);
  });

  test('an admin token buys a JWT that works on both faces; JWTs are checked strictly', async () => {
    const member = testApp.caller(users.member.token);
    const asked = Math.floor(Date.now() / 1000);
    const { token, expiresAt } = await member.auth.issueToken();
    const answered = Math.floor(Date.now() / 1000);
    expect(token.split('.')).toHaveLength(3);
    // 15 minutes from when it was issued, which is when it was asked for.
    const { iat, exp } = decodeJwt(token);
    expect(exp! - iat!).toBe(15 * 60);
    expect(expiresAt.getTime()).toBe(exp! * 1000);
    expect(iat).toBeGreaterThanOrEqual(asked);
    expect(iat).toBeLessThanOrEqual(answered);
    const header = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString()) as { alg: string; kid?: string };
    expect(header).toMatchObject({ alg: 'EdDSA', kid: expect.any(String) });

    const viaJwt = testApp.caller(token);
    expect((await viaJwt.organizations.list()).map((org) => org.id)).toContain(orgId);
    await expect(viaJwt.auth.issueToken()).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const { createGraphQLServer } = await import('./graphql/create-yoga.ts');
    const response = await createGraphQLServer(testApp.app.services).fetch('http://control-plane/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ organizations { id } }' }),
    });
    expect(((await response.json()) as { data: { organizations: { id: string }[] } }).data.organizations.map((org) => org.id)).toContain(orgId);

    // A JWT of another key, a tampered one, and an expired one are all refused.
    const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const foreign = await new SignJWT({})
      .setProtectedHeader({ alg: 'EdDSA', kid: header.kid })
      .setSubject(users.member.userId)
      .setIssuer('ai-gateway/control-plane')
      .setAudience('ai-gateway/admin')
      .setExpirationTime('5m')
      .sign(privateKey);
    const [head, payload, signature] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const tampered = [head, Buffer.from(JSON.stringify({ ...claims, sub: ownerId })).toString('base64url'), signature].join('.');
    // Signed with the real key, but expired or for another audience.
    const realJwk = JSON.parse(await readFile(join(testApp.database.dataDir, 'keys', 'admin-jwt.private.jwk'), 'utf8')) as JWK;
    const realKey = await importJWK(realJwk, 'EdDSA');
    const validClaims = claims as { sub: string; tid: string };
    const sign = (audience: string, expiresAt: number, tokenClaims: Record<string, unknown> = { tid: validClaims.tid }) =>
      new SignJWT(tokenClaims)
        .setProtectedHeader({ alg: 'EdDSA', kid: realJwk.kid })
        .setSubject(users.member.userId)
        .setIssuer('ai-gateway/control-plane')
        .setAudience(audience)
        .setExpirationTime(expiresAt)
        .sign(realKey);
    const now = Math.floor(Date.now() / 1000);
    expect(await testApp.app.services.adminJwt.verify(await sign('ai-gateway/admin', now + 60))).toEqual({
      userId: users.member.userId,
      adminTokenId: validClaims.tid,
    });
    const expired = await sign('ai-gateway/admin', now - 120);
    const otherAudience = await sign('someone-else', now + 60);
    // Without the admin token it came from, or naming another user's token, a JWT is worth nothing.
    const withoutToken = await sign('ai-gateway/admin', now + 60, {});
    const ownerTokenId = (await testApp.app.services.prisma.adminToken.findFirstOrThrow({ where: { userId: ownerId } })).id;
    const borrowedToken = await sign('ai-gateway/admin', now + 60, { tid: ownerTokenId });
    for (const bad of [foreign, tampered, expired, otherAudience, withoutToken, borrowedToken])
      await expect(testApp.caller(bad).organizations.list()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    expect(await testApp.app.services.adminJwt.verify(token)).toEqual({ userId: users.member.userId, adminTokenId: validClaims.tid });
  });

  test('admin tokens: create, list and revoke one’s own; a revoked token stops working', async () => {
    const member = testApp.caller(users.member.token);
    const created = await member.adminTokens.create({ name: 'ci' });
    expect(created.token).toMatch(/^gwa-/);
    expect((await testApp.caller(created.token).organizations.list()).length).toBeGreaterThan(0);
    expect((await member.adminTokens.list()).map((token) => token.name)).toContain('ci');
    await expect(testApp.caller(users.admin.token).adminTokens.revoke({ id: created.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await member.adminTokens.revoke({ id: created.id });
    await expect(testApp.caller(created.token).organizations.list()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });
});
