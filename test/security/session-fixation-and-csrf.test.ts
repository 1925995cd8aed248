// Issue 17, sessions: the attacks a cookie invites, over HTTP on both faces.
// - Session fixation: a cookie the attacker planted before the victim signs in (a made-up value, or the
//   attacker's own live session) must not become, or stay next to, the victim's session.
// - CSRF: a request carrying only the cookie (what another site's form or script gets the browser to
//   send) must be refused on every mutation, on tRPC and GraphQL, and change nothing.
import { useControlPlaneOnPglite } from '../support/control-plane-on-pglite.ts';
import { beforeAll, describe, expect, test } from 'vitest';
import { createUserWithPassword, graphqlWithSession, postLogin, signIn, trpcMutationWithSession } from '../support/sign-in.ts';

const PASSWORD = 'correct horse battery staple';

describe('sessions resist fixation and cross-site requests', () => {
  // Its users, who are not platform admins, create organizations.
  const controlPlane = useControlPlaneOnPglite({ orgCreation: 'everyone' });

  beforeAll(async () => {
    await createUserWithPassword(controlPlane.prisma, 'victim@example.com', PASSWORD);
    await createUserWithPassword(controlPlane.prisma, 'attacker@example.com', PASSWORD);
  });

  async function whoIs(cookie: string): Promise<string | null> {
    const response = await fetch(`${controlPlane.url}/auth/session`, { headers: { cookie } });
    return response.status === 200 ? ((await response.json()) as { user: { email: string } }).user.email : null;
  }

  test('a session id chosen by the attacker is never adopted: the sign-in issues a new one', async () => {
    const planted = 'gw_session=gws_attacker-chosen-value';
    const victim = await signIn(controlPlane.url, 'victim@example.com', PASSWORD, { cookie: planted });
    expect(victim.cookie).not.toBe(planted);
    expect(await whoIs(planted)).toBeNull();
    expect(await whoIs(victim.cookie)).toBe('victim@example.com');
  });

  test("the attacker's own planted session ends when the victim signs in, and never becomes the victim's", async () => {
    const attacker = await signIn(controlPlane.url, 'attacker@example.com', PASSWORD);
    expect(await whoIs(attacker.cookie)).toBe('attacker@example.com');
    const victim = await signIn(controlPlane.url, 'victim@example.com', PASSWORD, { cookie: attacker.cookie });
    expect(victim.cookie).not.toBe(attacker.cookie);
    expect(await whoIs(attacker.cookie)).toBeNull();
    expect(await whoIs(victim.cookie)).toBe('victim@example.com');
  });

  test('a tRPC mutation with the cookie but without the CSRF token (or with a wrong one) is refused and creates nothing', async () => {
    const victim = await signIn(controlPlane.url, 'victim@example.com', PASSWORD);
    const tokensBefore = await controlPlane.prisma.adminToken.count({ where: { userId: victim.userId } });

    for (const csrfToken of [null, 'not-the-token', (await signIn(controlPlane.url, 'attacker@example.com', PASSWORD)).csrfToken]) {
      const refused = await trpcMutationWithSession(controlPlane.url, { cookie: victim.cookie, csrfToken }, 'adminTokens.create', { name: 'csrf' });
      expect(refused.status).toBe(403);
      expect(JSON.stringify(refused.body)).toContain('x-csrf-token');
    }
    expect(await controlPlane.prisma.adminToken.count({ where: { userId: victim.userId } })).toBe(tokensBefore);

    // The same call with the session's token goes through: the cookie, not the call, was the problem.
    const allowed = await trpcMutationWithSession(controlPlane.url, victim, 'adminTokens.create', { name: 'with token' });
    expect(allowed.status).toBe(200);
    expect(await controlPlane.prisma.adminToken.count({ where: { userId: victim.userId } })).toBe(tokensBefore + 1);
  });

  test('a GraphQL mutation with the cookie but without the CSRF token is refused and creates nothing', async () => {
    const victim = await signIn(controlPlane.url, 'victim@example.com', PASSWORD);
    const orgsBefore = await controlPlane.prisma.organization.count();
    const mutation = 'mutation { createOrganization(name: "Forged") { id } }';

    const refused = await graphqlWithSession(controlPlane.url, { cookie: victim.cookie, csrfToken: null }, mutation);
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('forbidden');
    expect(refused.body.errors?.[0]?.message).toContain('x-csrf-token');
    expect(await controlPlane.prisma.organization.count()).toBe(orgsBefore);

    const allowed = await graphqlWithSession(controlPlane.url, victim, mutation);
    expect(allowed.body.errors).toBeUndefined();
    expect(await controlPlane.prisma.organization.count()).toBe(orgsBefore + 1);
  });

  test('signing out needs the CSRF token too, so another site cannot end a session', async () => {
    const victim = await signIn(controlPlane.url, 'victim@example.com', PASSWORD);
    const forged = await fetch(`${controlPlane.url}/auth/logout`, { method: 'POST', headers: { cookie: victim.cookie } });
    expect(forged.status).toBe(403);
    expect(await whoIs(victim.cookie)).toBe('victim@example.com');
  });

  test('a sign-in must be JSON: a cross-site form post (urlencoded) is refused without setting a cookie', async () => {
    const response = await fetch(`${controlPlane.url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `email=attacker%40example.com&password=${encodeURIComponent(PASSWORD)}`,
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('set-cookie')).toBeNull();
    expect((await postLogin(controlPlane.url, { email: 'attacker@example.com', password: PASSWORD })).status).toBe(200);
  });
});
