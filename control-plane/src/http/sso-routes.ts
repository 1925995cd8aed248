// The browser's single sign-on (services/identity/sso.ts): GET /auth/sso/start?org=<id>[&returnTo=/path]
// redirects to the organization's identity provider; GET /auth/sso/callback finishes, sets the session
// cookie and redirects to returnTo (default /auth/session). Refusals answer in the error envelope.
import { parseCookie, stringifySetCookie } from 'cookie';
import { GatewayError } from '../../../shared/src/errors.ts';
import type { AppServices } from '../context.ts';
import { clientAddress } from '../services/identity/client-address.ts';
import { sessionSetCookie } from '../services/identity/session-cookie.ts';
import { finishSsoSignIn, SSO_BROWSER_COOKIE, startSsoSignIn, type SsoDependencies } from '../services/identity/sso.ts';
import { httpRoute } from './json-exchange.ts';

function dependencies(services: AppServices): SsoDependencies {
  return { prisma: services.prisma, keyring: services.byokKeyring, publicUrl: services.identity.publicUrl, allowPrivate: services.allowPrivateUpstreams };
}

function browserCookie(value: string, secure: boolean, maxAge: number): string {
  return stringifySetCookie({ name: SSO_BROWSER_COOKIE, value, httpOnly: true, sameSite: 'lax', secure, path: '/auth/sso', maxAge });
}

export const handleSsoStart = httpRoute('GET', 'use GET /auth/sso/start?org=<organization id>', async (services: AppServices, request, response) => {
  const url = new URL(request.url ?? '/', 'http://control-plane');
  const orgId = url.searchParams.get('org');
  if (!orgId) throw new GatewayError('invalid_request', 'org is required', { param: 'org' });
  const started = await startSsoSignIn(dependencies(services), { orgId, returnTo: url.searchParams.get('returnTo') });
  response.writeHead(302, {
    location: started.redirectTo.href,
    'cache-control': 'no-store',
    'set-cookie': browserCookie(started.browserSecret, services.identity.secureCookies, 600),
  });
  response.end();
});

export const handleSsoCallback = httpRoute('GET', 'the identity provider returns with GET', async (services: AppServices, request, response) => {
  const { secureCookies } = services.identity;
  const url = new URL(request.url ?? '/', 'http://control-plane');
  const finished = await finishSsoSignIn(dependencies(services), {
    callbackUrl: url,
    browserSecret: parseCookie(request.headers.cookie ?? '')[SSO_BROWSER_COOKIE] ?? null,
    client: clientAddress(request, services.identity.trustedProxyHops),
    userAgent: request.headers['user-agent'] ?? null,
  });
  response.writeHead(303, {
    location: finished.returnTo,
    'cache-control': 'no-store',
    'set-cookie': [sessionSetCookie(finished.secret, secureCookies), browserCookie('', secureCookies, 0)],
  });
  response.end();
});
