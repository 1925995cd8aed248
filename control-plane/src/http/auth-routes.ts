// The browser's way in (docs/identity.md): POST /auth/login sets the session cookie and returns the CSRF
// token; GET /auth/session tells a page who is signed in (and the CSRF token again, e.g. after a reload);
// POST /auth/logout ends the session. Everything else goes through tRPC and GraphQL with the cookie.
import { z } from 'zod';
import { GatewayError } from '../../../shared/src/errors.ts';
import type { AppServices } from '../context.ts';
import { requestCredentials } from '../context.ts';
import { authenticateUser } from '../services/authenticate.ts';
import { clientAddress } from '../services/identity/client-address.ts';
import { csrfTokenFor, endSession } from '../services/identity/sessions.ts';
import { clearSessionSetCookie, sessionSetCookie } from '../services/identity/session-cookie.ts';
import { signInWithPassword } from '../services/identity/sign-in.ts';
import { parseInput } from '../services/input-schemas.ts';
import { httpRoute, readJsonBody, sendJson } from './json-exchange.ts';

// No length rules here: a wrong password of any length is just wrong (passwordSchema applies when one is set).
const loginSchema = z.object({ email: z.string().min(1).max(320), password: z.string().min(1).max(1024) });

export const handleLogin = httpRoute('POST', 'use POST /auth/login', async (services: AppServices, request, response) => {
  const input = parseInput(loginSchema, await readJsonBody(request), 'body');
  const { secureCookies } = services.identity;
  const credentials = requestCredentials(services, request);
  const signedIn = await signInWithPassword(services.prisma, services.identity.signInRateLimit, {
    email: input.email,
    password: input.password,
    client: clientAddress(request, services.identity.trustedProxyHops),
    userAgent: request.headers['user-agent'] ?? null,
  });
  // The session the browser came with (anyone's) ends: a sign-in never keeps an old cookie alive.
  if (credentials.sessionSecret) await endSession(services.prisma, credentials.sessionSecret);
  sendJson(
    response,
    200,
    { user: signedIn.user, session: { id: signedIn.session.id, expiresAt: signedIn.session.expiresAt }, csrfToken: signedIn.csrfToken },
    { 'set-cookie': sessionSetCookie(signedIn.secret, secureCookies) },
  );
});

export const handleSession = httpRoute('GET', 'use GET /auth/session', async (services: AppServices, request, response) => {
  const credentials = { ...requestCredentials(services, request), authorization: null };
  const actor = credentials.sessionSecret ? await authenticateUser(services.prisma, services.adminJwt, credentials) : null;
  if (!actor || actor.credential.kind !== 'session' || !credentials.sessionSecret) {
    throw new GatewayError('invalid_credentials', 'not signed in');
  }
  const session = await services.prisma.session.findUniqueOrThrow({ where: { id: actor.credential.sessionId }, include: { user: true } });
  const { user } = session;
  sendJson(response, 200, {
    user: { id: user.id, email: user.email, name: user.name, isPlatformAdmin: user.isPlatformAdmin },
    session: { id: session.id, expiresAt: session.expiresAt },
    csrfToken: csrfTokenFor(credentials.sessionSecret),
  });
});

export const handleLogout = httpRoute('POST', 'use POST /auth/logout', async (services: AppServices, request, response) => {
  const credentials = { ...requestCredentials(services, request), authorization: null };
  // The CSRF token is checked like any cookie-authorized POST: another site cannot sign a user out.
  const actor = await authenticateUser(services.prisma, services.adminJwt, credentials);
  if (actor && credentials.sessionSecret) await endSession(services.prisma, credentials.sessionSecret);
  sendJson(response, 200, { signedOut: actor !== null }, { 'set-cookie': clearSessionSetCookie(services.identity.secureCookies) });
});
