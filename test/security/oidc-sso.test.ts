// Issue 17, single sign-on: what a forged or mixed-up answer from the identity side must not achieve.
// An identity provider that lies (written here with jose, since a real one would not) sends an id token
// from another issuer or with another nonce; a callback arrives with a state the gateway never issued,
// twice, or in a browser that did not start the sign-in; a real provider (oidc-provider) vouches for an
// email outside the allowed domains. Each is refused without a session or a new member.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { trpcAs, useControlPlaneOnPglite } from '../support/control-plane-on-pglite.ts';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startOidcProvider, TestBrowser, type TestIdentityProvider } from '../support/oidc.ts';

interface LyingProvider {
  issuer: string;
  /** What the next id token says; by default the truth. */
  lie: { iss?: string; nonce?: string };
  close(): Promise<void>;
}

/** Discovery, keys, an authorization endpoint that approves at once, and a token endpoint that signs whatever `lie` says. */
async function startLyingProvider(email: string): Promise<LyingProvider> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'lying-key', alg: 'RS256', use: 'sig' };
  const codes = new Map<string, string>();
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider: LyingProvider = { issuer, lie: {}, close: () => new Promise((resolve) => server.close(() => resolve())) };
  server.on('request', (request, response) => {
    const url = new URL(request.url ?? '/', issuer);
    const json = (body: unknown) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (url.pathname === '/.well-known/openid-configuration') {
      return json({
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
        code_challenge_methods_supported: ['S256'],
      });
    }
    if (url.pathname === '/jwks') return json({ keys: [jwk] });
    if (url.pathname === '/authorize') {
      const code = `code-${codes.size}`;
      codes.set(code, url.searchParams.get('nonce') ?? '');
      response.writeHead(302, { location: `${url.searchParams.get('redirect_uri')}?code=${code}&state=${url.searchParams.get('state')}` });
      return response.end();
    }
    if (url.pathname === '/token') {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        const form = new URLSearchParams(body);
        const nonce = codes.get(form.get('code') ?? '') ?? '';
        void signIdToken(privateKey, {
          iss: provider.lie.iss ?? issuer,
          aud: form.get('client_id') ?? '',
          nonce: provider.lie.nonce ?? nonce,
          email,
        }).then((idToken) => json({ access_token: 'at', token_type: 'Bearer', expires_in: 60, id_token: idToken }));
      });
      return;
    }
    response.writeHead(404).end();
  });
  return provider;
}

function signIdToken(key: CryptoKey, claims: { iss: string; aud: string; nonce: string; email: string }): Promise<string> {
  return new SignJWT({ nonce: claims.nonce, email: claims.email, email_verified: true })
    .setProtectedHeader({ alg: 'RS256', kid: 'lying-key' })
    .setIssuer(claims.iss)
    .setAudience(claims.aud)
    .setSubject('lying-subject')
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(key);
}

describe('single sign-on refuses forged and mixed-up answers', () => {
  const controlPlane = useControlPlaneOnPglite({ allowPrivateUpstreams: true });
  let liar: LyingProvider;
  let idp: TestIdentityProvider;
  let liarOrg: string;
  let realOrg: string;

  const admin = () => trpcAs(controlPlane, controlPlane.adminToken);
  const atCallback = (url: URL) => url.pathname === '/auth/sso/callback';

  beforeAll(async () => {
    liar = await startLyingProvider('mallory@acme.example');
    idp = await startOidcProvider(`${controlPlane.url}/auth/sso/callback`, [{ email: 'eve@elsewhere.example' }, { email: 'ok@acme.example' }]);
    liarOrg = (await admin().organizations.create.mutate({ name: 'Lied to' })).id;
    realOrg = (await admin().organizations.create.mutate({ name: 'Real' })).id;
    await admin().sso.configure.mutate({ orgId: liarOrg, issuer: liar.issuer, clientId: 'gateway', clientSecret: 'secret', allowedDomains: ['acme.example'] });
    await admin().sso.configure.mutate({
      orgId: realOrg,
      issuer: idp.issuer,
      clientId: idp.clientId,
      clientSecret: idp.clientSecret,
      allowedDomains: ['acme.example'],
    });
  });
  afterAll(async () => {
    await liar?.close();
    await idp?.close();
  });

  /** Nobody but the admin who created the org is a member. */
  async function nobodyJoined(orgId: string): Promise<void> {
    expect(await controlPlane.prisma.membership.count({ where: { orgId, user: { email: { not: 'admin@localhost' } } } })).toBe(0);
  }

  /** Starts at the gateway and lets the lying provider approve: the callback URL, not yet visited. */
  async function startAtLiar(browser: TestBrowser): Promise<string> {
    return (await browser.follow(`${controlPlane.url}/auth/sso/start?org=${liarOrg}`, atCallback)).url;
  }

  async function refusedWith(response: Response, pattern: RegExp): Promise<void> {
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(pattern);
    expect(response.headers.get('set-cookie') ?? '').not.toContain('gw_session=gws_');
  }

  test('the lying provider telling the truth is accepted (the refusals below are about the lie, not the setup)', async () => {
    const browser = new TestBrowser();
    const callback = await startAtLiar(browser);
    expect((await browser.request(callback)).status).toBe(303);
    await controlPlane.prisma.membership.deleteMany({ where: { orgId: liarOrg, user: { email: 'mallory@acme.example' } } });
  });

  test('an id token from another issuer is refused', async () => {
    liar.lie = { iss: idp.issuer };
    try {
      const browser = new TestBrowser();
      await refusedWith(await browser.request(await startAtLiar(browser)), /"iss" \(issuer\)/);
      await nobodyJoined(liarOrg);
    } finally {
      liar.lie = {};
    }
  });

  test('an id token with another nonce is refused', async () => {
    liar.lie = { nonce: 'not-the-nonce-we-sent' };
    try {
      const browser = new TestBrowser();
      await refusedWith(await browser.request(await startAtLiar(browser)), /"nonce" claim/);
      await nobodyJoined(liarOrg);
    } finally {
      liar.lie = {};
    }
  });

  test('a callback with a state the gateway did not issue is refused', async () => {
    const browser = new TestBrowser();
    const callback = new URL(await startAtLiar(browser));
    callback.searchParams.set('state', 'forged-state');
    await refusedWith(await browser.request(callback.href), /state/);
    await nobodyJoined(liarOrg);
  });

  test('a callback replayed, or finished in a browser that did not start the sign-in, is refused', async () => {
    const victim = new TestBrowser();
    const attacker = new TestBrowser();
    // The attacker starts a sign-in and hands the callback link to the victim (login CSRF).
    const callback = await startAtLiar(attacker);
    await refusedWith(await victim.request(callback), /did not start/);
    expect((await attacker.request(callback)).status).toBe(303);
    await refusedWith(await attacker.request(callback), /used|state/);
    await controlPlane.prisma.membership.deleteMany({ where: { orgId: liarOrg, user: { email: 'mallory@acme.example' } } });
  });

  test('a real provider vouching for an email outside the allowed domains is refused', async () => {
    const browser = new TestBrowser();
    const atProvider = await browser.follow(`${controlPlane.url}/auth/sso/start?org=${realOrg}`, (url) => url.pathname.startsWith('/interaction/'));
    const back = await browser.signInAtProvider(atProvider.url, 'eve@elsewhere.example', atCallback);
    const response = await browser.request(back.url);
    expect(response.status).toBe(403);
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain('elsewhere.example is not an allowed email domain');
    await nobodyJoined(realOrg);
    expect(await controlPlane.prisma.user.count({ where: { email: 'eve@elsewhere.example' } })).toBe(0);
  });
});
