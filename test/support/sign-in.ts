// Signing in over HTTP as a browser would: POST /auth/login, keep the cookie, send the CSRF token.
import type { PrismaClient } from '../../control-plane/generated/prisma/client.ts';
import { hashPassword } from '../../control-plane/src/services/identity/passwords.ts';

export interface BrowserSession {
  /** `name=value` of the session cookie, as a browser would send it back. */
  cookie: string;
  csrfToken: string;
  /** The raw Set-Cookie header of the sign-in. */
  setCookie: string;
  userId: string;
}

/** A user with this password (and no memberships). */
export async function createUserWithPassword(prisma: PrismaClient, email: string, password: string): Promise<string> {
  const user = await prisma.user.create({ data: { email, passwordHash: await hashPassword(password) } });
  return user.id;
}

export async function postLogin(baseUrl: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${baseUrl}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

export async function signIn(baseUrl: string, email: string, password: string, headers: Record<string, string> = {}): Promise<BrowserSession> {
  const response = await postLogin(baseUrl, { email, password }, headers);
  const body = (await response.json()) as { csrfToken: string; user: { id: string } };
  if (response.status !== 200) throw new Error(`sign-in failed: ${response.status} ${JSON.stringify(body)}`);
  const setCookie = response.headers.get('set-cookie') ?? '';
  return { cookie: setCookie.split(';', 1)[0]!, csrfToken: body.csrfToken, setCookie, userId: body.user.id };
}

/** A GraphQL call with the session cookie and, unless told otherwise, its CSRF token. */
export async function graphqlWithSession(
  baseUrl: string,
  session: Pick<BrowserSession, 'cookie'> & { csrfToken?: string | null },
  query: string,
  variables: Record<string, unknown> = {},
): Promise<{ status: number; body: { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: { code?: string } }[] } }> {
  const headers: Record<string, string> = { 'content-type': 'application/json', cookie: session.cookie };
  if (session.csrfToken) headers['x-csrf-token'] = session.csrfToken;
  const response = await fetch(`${baseUrl}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  return { status: response.status, body: (await response.json()) as never };
}

/** A tRPC mutation over HTTP with the session cookie and (optionally) the CSRF token. */
export async function trpcMutationWithSession(
  baseUrl: string,
  session: Pick<BrowserSession, 'cookie'> & { csrfToken?: string | null },
  path: string,
  input: unknown,
): Promise<{ status: number; body: unknown }> {
  const headers: Record<string, string> = { 'content-type': 'application/json', cookie: session.cookie };
  if (session.csrfToken) headers['x-csrf-token'] = session.csrfToken;
  const response = await fetch(`${baseUrl}/trpc/${path}`, { method: 'POST', headers, body: JSON.stringify(input) });
  return { status: response.status, body: await response.json() };
}
