// Email + password sign-in and sessions over HTTP (issue 17, items 1 and 2): the cookie's flags, answers
// that do not tell an unknown email from a wrong password, the lockout that keeps to the failing address,
// the sessions a user lists and ends, and what a session may do.
import { useControlPlaneOnPglite } from '../../../test/support/control-plane-on-pglite.ts';
import { beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase } from '../../../test/support/test-database.ts';
import { createUserWithPassword, graphqlWithSession, postLogin, signIn, trpcMutationWithSession } from '../../../test/support/sign-in.ts';
import { startControlPlane } from '../app.ts';
import { LOCK_AFTER_FAILURES, lockedUntil, recordLoginFailure } from '../services/identity/login-throttle.ts';

const PASSWORD = 'a long enough password';

describe('password sign-in and sessions', () => {
  // Behind one (pretend) proxy, so each test can sign in from its own address.
  const controlPlane = useControlPlaneOnPglite({ trustedProxyHops: 1 });

  beforeAll(async () => {
    await createUserWithPassword(controlPlane.prisma, 'ada@example.com', PASSWORD);
  });

  const from = (address: string) => ({ 'x-forwarded-for': address });

  test('the session cookie is HttpOnly, SameSite=Lax, Path=/ and (over plain HTTP) not Secure; the secret is never in the body', async () => {
    const response = await postLogin(controlPlane.url, { email: 'Ada@Example.com', password: PASSWORD }, from('10.0.0.1'));
    expect(response.status).toBe(200);
    const setCookie = response.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^gw_session=gws_[\w-]{43}; Path=\/; HttpOnly; SameSite=Lax$/);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = (await response.json()) as { user: { email: string }; csrfToken: string };
    expect(body.user.email).toBe('ada@example.com');
    expect(JSON.stringify(body)).not.toContain(setCookie.split(';')[0]!.split('=')[1]!);
  });

  test('a wrong method gets 405 in the JSON envelope, saying which method the route takes', async () => {
    const answers = await Promise.all(
      [
        ['GET', '/auth/login'],
        ['POST', '/auth/session'],
        ['GET', '/auth/logout'],
        ['POST', '/auth/sso/start'],
      ].map(async ([method, path]) => {
        const response = await fetch(`${controlPlane.url}${path}`, { method });
        return [response.status, ((await response.json()) as { error: { code: string; message: string } }).error];
      }),
    );
    expect(answers).toEqual([
      [405, expect.objectContaining({ code: 'method_not_allowed', message: 'use POST /auth/login' })],
      [405, expect.objectContaining({ code: 'method_not_allowed', message: 'use GET /auth/session' })],
      [405, expect.objectContaining({ code: 'method_not_allowed', message: 'use POST /auth/logout' })],
      [405, expect.objectContaining({ code: 'method_not_allowed', message: 'use GET /auth/sso/start?org=<organization id>' })],
    ]);
  });

  test('an unknown email, an account without a password and a wrong password get the same answer', async () => {
    await controlPlane.prisma.user.create({ data: { email: 'nopassword@example.com' } });
    const answers = [];
    for (const email of ['nobody@example.com', 'nopassword@example.com', 'ada@example.com']) {
      const response = await postLogin(controlPlane.url, { email, password: 'wrong password here' }, from('10.0.0.2'));
      answers.push({ status: response.status, body: await response.json(), cookie: response.headers.get('set-cookie') });
    }
    expect(answers[0]).toEqual({
      status: 401,
      body: { error: { message: 'email or password is wrong', type: 'authentication_error', code: 'invalid_credentials', param: null } },
      cookie: null,
    });
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
  });

  test('failures lock the failing address out of that account, and only that address: the victim still signs in from theirs', async () => {
    for (let attempt = 0; attempt < LOCK_AFTER_FAILURES; attempt++) {
      expect((await postLogin(controlPlane.url, { email: 'ada@example.com', password: 'guess ' + attempt }, from('203.0.113.9'))).status).toBe(401);
    }
    const locked = await postLogin(controlPlane.url, { email: 'ada@example.com', password: PASSWORD }, from('203.0.113.9'));
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    // The right password from the attacker's address is refused too while locked; from the victim's address it works.
    expect((await postLogin(controlPlane.url, { email: 'ada@example.com', password: PASSWORD }, from('198.51.100.7'))).status).toBe(200);
    // A lock on an unknown email looks the same as on a real one.
    for (let attempt = 0; attempt <= LOCK_AFTER_FAILURES; attempt++)
      await postLogin(controlPlane.url, { email: 'ghost@example.com', password: 'x' }, from('203.0.113.9'));
    expect((await postLogin(controlPlane.url, { email: 'ghost@example.com', password: 'x' }, from('203.0.113.9'))).status).toBe(429);
  });

  test('a lock ends: it lasts 30 s after five failures, doubles per further failure and never exceeds 15 minutes', async () => {
    const prisma = controlPlane.prisma;
    const start = new Date('2026-12-01T00:00:00Z');
    for (let failure = 1; failure <= 30; failure++) await recordLoginFailure(prisma, 'lock@example.com', '192.0.2.1', new Date(start.getTime() + failure));
    const row = await prisma.loginFailure.findUniqueOrThrow({ where: { email_client: { email: 'lock@example.com', client: '192.0.2.1' } } });
    expect(row.lockedUntil!.getTime() - start.getTime() - 30).toBe(15 * 60_000);
    expect(await lockedUntil(prisma, 'lock@example.com', '192.0.2.1', new Date(start.getTime() + 15 * 60_000 + 31))).toBeNull();
    await recordLoginFailure(prisma, 'lock@example.com', '192.0.2.2', start);
    for (let failure = 2; failure <= LOCK_AFTER_FAILURES; failure++) await recordLoginFailure(prisma, 'lock@example.com', '192.0.2.2', start);
    expect((await lockedUntil(prisma, 'lock@example.com', '192.0.2.2', start))!.getTime() - start.getTime()).toBe(30_000);
  });

  test('a session lists itself, can create its own admin token, and "sign out everywhere" ends every session', async () => {
    const first = await signIn(controlPlane.url, 'ada@example.com', PASSWORD, from('10.0.1.1'));
    const second = await signIn(controlPlane.url, 'ada@example.com', PASSWORD, from('10.0.1.2'));
    const listed = await fetch(`${controlPlane.url}/trpc/sessions.list`, { headers: { cookie: first.cookie } });
    const sessions = ((await listed.json()) as { result: { data: { id: string; current: boolean; client: string }[] } }).result.data;
    expect(sessions.filter((session) => session.current).map((session) => session.client)).toEqual(['10.0.1.1']);
    expect(sessions.map((session) => session.client)).toEqual(expect.arrayContaining(['10.0.1.1', '10.0.1.2']));

    const minted = await graphqlWithSession(controlPlane.url, first, 'mutation { createAdminToken(name: "from the browser") { token } }');
    const token = (minted.body.data?.createAdminToken as { token: string }).token;
    expect(token).toMatch(/^gwa-/);
    const jwt = await graphqlWithSession(controlPlane.url, first, 'mutation { issueToken { token } }');
    expect(jwt.body.errors?.[0]?.extensions?.code).toBe('forbidden');

    const everywhere = await trpcMutationWithSession(controlPlane.url, second, 'sessions.revokeAll', {});
    expect(everywhere.status).toBe(200);
    for (const session of [first, second]) {
      expect((await fetch(`${controlPlane.url}/auth/session`, { headers: { cookie: session.cookie } })).status).toBe(401);
    }
    // The admin token made from the session is automation's credential and lives on.
    const me = await fetch(`${controlPlane.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ me { email } }' }),
    });
    expect(await me.json()).toEqual({ data: { me: { email: 'ada@example.com' } } });
  });

  test('sign-out ends the session and clears the cookie; changing the password ends the other sessions', async () => {
    const kept = await signIn(controlPlane.url, 'ada@example.com', PASSWORD, from('10.0.2.1'));
    const other = await signIn(controlPlane.url, 'ada@example.com', PASSWORD, from('10.0.2.2'));
    const wrong = await trpcMutationWithSession(controlPlane.url, kept, 'account.changePassword', {
      currentPassword: 'not it at all',
      newPassword: 'x'.repeat(12),
    });
    expect(wrong.status).toBe(401);
    const changed = await trpcMutationWithSession(controlPlane.url, kept, 'account.changePassword', { currentPassword: PASSWORD, newPassword: PASSWORD + '!' });
    expect(changed.body).toMatchObject({ result: { data: { otherSessionsEnded: 1 } } });
    expect((await fetch(`${controlPlane.url}/auth/session`, { headers: { cookie: other.cookie } })).status).toBe(401);
    expect((await fetch(`${controlPlane.url}/auth/session`, { headers: { cookie: kept.cookie } })).status).toBe(200);

    const out = await fetch(`${controlPlane.url}/auth/logout`, { method: 'POST', headers: { cookie: kept.cookie, 'x-csrf-token': kept.csrfToken } });
    expect(out.headers.get('set-cookie')).toBe('gw_session=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax');
    expect((await fetch(`${controlPlane.url}/auth/session`, { headers: { cookie: kept.cookie } })).status).toBe(401);
  });
});

describe('over TLS', () => {
  test('with an https public URL the cookie is Secure and __Host- prefixed', async () => {
    const database = await createTestDatabase('pglite');
    const controlPlane = await startControlPlane({ port: 0, dataDir: database.dataDir, publicUrl: 'https://gateway.example.com' });
    try {
      await createUserWithPassword(controlPlane.prisma, 'tls@example.com', PASSWORD);
      const session = await signIn(controlPlane.url, 'tls@example.com', PASSWORD);
      expect(session.setCookie).toMatch(/^__Host-gw_session=gws_[\w-]{43}; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
      expect((await fetch(`${controlPlane.url}/auth/session`, { headers: { cookie: session.cookie } })).status).toBe(200);
      // The unprefixed name is not read, so a cookie planted over plain HTTP cannot stand in for it.
      expect((await fetch(`${controlPlane.url}/auth/session`, { headers: { cookie: session.cookie.replace('__Host-', '') } })).status).toBe(401);
    } finally {
      await controlPlane.close();
      await database.drop();
    }
  });
});
