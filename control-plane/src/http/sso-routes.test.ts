// Single sign-on end to end (issue 17, item 4) against a real OpenID Connect provider (oidc-provider)
// started here: an owner configures it, a person signs in through it, joins the org just in time with
// the default role, and gets a session; "SSO required" turns passwords off for the org's members.
import { trpcAs, useControlPlaneOnPglite } from '../../../test/support/control-plane-on-pglite.ts';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startOidcProvider, TestBrowser, type TestIdentityProvider } from '../../../test/support/oidc.ts';
import { createUserWithPassword, postLogin } from '../../../test/support/sign-in.ts';

describe('single sign-on with OpenID Connect', () => {
  const controlPlane = useControlPlaneOnPglite({ allowPrivateUpstreams: true });
  let idp: TestIdentityProvider;
  let orgId: string;

  const admin = () => trpcAs(controlPlane, controlPlane.adminToken);
  const atCallback = (url: URL) => url.pathname === '/auth/sso/callback';

  /** The whole dance in one browser: start at the gateway, sign in at the provider, come back. */
  async function signInWithSso(browser: TestBrowser, login: string): Promise<Response> {
    const atProvider = await browser.follow(`${controlPlane.url}/auth/sso/start?org=${orgId}`, (url) => url.pathname.startsWith('/interaction/'));
    const back = await browser.signInAtProvider(atProvider.url, login, atCallback);
    return browser.request(back.url);
  }

  beforeAll(async () => {
    idp = await startOidcProvider(`${controlPlane.url}/auth/sso/callback`, [
      { email: 'grace@acme.example', name: 'Grace' },
      { email: 'eve@elsewhere.example' },
      { email: 'unverified@acme.example', emailVerified: false },
      { email: 'pat@acme.example' },
    ]);
    orgId = (await admin().organizations.create.mutate({ name: 'Acme' })).id;
    const configured = await admin().sso.configure.mutate({
      orgId,
      issuer: idp.issuer,
      clientId: idp.clientId,
      clientSecret: idp.clientSecret,
      allowedDomains: ['acme.example'],
      defaultRole: 'member',
    });
    expect(configured).toMatchObject({ hasClientSecret: true, redirectUri: `${controlPlane.url}/auth/sso/callback` });
    expect(JSON.stringify(configured)).not.toContain(idp.clientSecret);
  });
  afterAll(async () => {
    await idp?.close();
  });

  test('a new person signs in through the provider, joins the org just in time and gets a session', async () => {
    const browser = new TestBrowser();
    const back = await signInWithSso(browser, 'grace@acme.example');
    expect(back.status).toBe(303);
    expect(back.headers.get('location')).toBe('/auth/session');
    const session = await browser.request(`${controlPlane.url}/auth/session`);
    expect(session.status).toBe(200);
    const body = (await session.json()) as { user: { email: string; name: string }; csrfToken: string };
    expect(body.user).toMatchObject({ email: 'grace@acme.example', name: 'Grace' });
    const user = await controlPlane.prisma.user.findUniqueOrThrow({ where: { email: 'grace@acme.example' }, include: { memberships: true } });
    expect(user.passwordHash).toBeNull();
    expect(user.memberships.map((membership) => [membership.orgId, membership.role])).toEqual([[orgId, 'member']]);

    // A second sign-in finds the same user and membership.
    const again = new TestBrowser();
    expect((await signInWithSso(again, 'grace@acme.example')).status).toBe(303);
    expect(await controlPlane.prisma.membership.count({ where: { userId: user.id } })).toBe(1);
  });

  test('an email outside the allowed domains, or not verified, is refused; nobody is created', async () => {
    for (const login of ['eve@elsewhere.example', 'unverified@acme.example']) {
      const back = await signInWithSso(new TestBrowser(), login);
      expect([401, 403]).toContain(back.status);
      expect(((await back.json()) as { error: { message: string } }).error.message).toMatch(/not an allowed email domain|not verified/);
      expect(back.headers.get('set-cookie') ?? '').not.toContain('gw_session=');
      expect(await controlPlane.prisma.user.count({ where: { email: login } })).toBe(0);
    }
  });

  test('with SSO required, members cannot sign in with a password (platform admins still can)', async () => {
    await createUserWithPassword(controlPlane.prisma, 'pat@acme.example', 'pat password 0123');
    expect((await postLogin(controlPlane.url, { email: 'pat@acme.example', password: 'pat password 0123' })).status).toBe(200);
    expect((await signInWithSso(new TestBrowser(), 'pat@acme.example')).status).toBe(303);
    await admin().sso.configure.mutate({ orgId, issuer: idp.issuer, clientId: idp.clientId, allowedDomains: ['acme.example'], ssoRequired: true });
    const refused = await postLogin(controlPlane.url, { email: 'pat@acme.example', password: 'pat password 0123' });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain('requires single sign-on');
    // The stored client secret was kept (omitted, not null), so SSO still works.
    expect((await signInWithSso(new TestBrowser(), 'pat@acme.example')).status).toBe(303);
  });
});
