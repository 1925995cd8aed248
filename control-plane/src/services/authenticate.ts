// Bearer tokens of the admin API and of data planes are looked up by hash, like API keys; the admin API
// also takes the short-lived JWTs of services/admin-jwt.ts, told apart by their three dot-separated parts,
// and browser sessions (identity/sessions.ts), which must bring their CSRF token on anything but GET/HEAD.
import { hashSecret } from '../../../shared/src/crypto.ts';
import { GatewayError } from '../../../shared/src/errors.ts';
import type { PrismaClient } from '../../generated/prisma/client.ts';
import type { AdminJwtIssuer } from './admin-jwt.ts';
import { csrfTokenMatches, CSRF_HEADER, findLiveSession } from './identity/sessions.ts';
import type { Actor } from './service-context.ts';

export type UserActor = Extract<Actor, { kind: 'user' }>;
export type DataPlaneActor = Extract<Actor, { kind: 'data-plane' }>;

/** `Bearer <token>` → the token; anything else → null. */
export function bearerToken(authorization: string | null | undefined): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return match?.[1] ?? null;
}

export async function authenticateAdminToken(prisma: PrismaClient, token: string | null): Promise<UserActor | null> {
  if (!token) return null;
  const row = await prisma.adminToken.findUnique({ where: { tokenHash: hashSecret(token) }, include: { user: true } });
  if (!row || row.revokedAt) return null;
  return { kind: 'user', userId: row.userId, isPlatformAdmin: row.user.isPlatformAdmin, credential: { kind: 'admin-token', adminTokenId: row.id } };
}

/**
 * A JWT is only as alive as the admin token it was exchanged for: revoking the token (or deleting its
 * user) ends every JWT issued from it, at once rather than at expiry.
 */
async function authenticateAdminJwt(prisma: PrismaClient, adminJwt: AdminJwtIssuer, token: string): Promise<UserActor | null> {
  const claims = await adminJwt.verify(token);
  if (!claims) return null;
  const row = await prisma.adminToken.findUnique({ where: { id: claims.adminTokenId }, include: { user: true } });
  if (!row || row.revokedAt || row.userId !== claims.userId) return null;
  return { kind: 'user', userId: row.userId, isPlatformAdmin: row.user.isPlatformAdmin, credential: { kind: 'admin-jwt', adminTokenId: row.id } };
}

/** An admin token or an admin JWT → the user it acts as; null when neither is valid. */
export async function authenticateAdmin(prisma: PrismaClient, adminJwt: AdminJwtIssuer, token: string | null): Promise<UserActor | null> {
  if (!token) return null;
  return token.split('.').length === 3 ? authenticateAdminJwt(prisma, adminJwt, token) : authenticateAdminToken(prisma, token);
}

/** What a request offers as proof of who it acts for. */
export interface RequestCredentials {
  /** The raw Authorization header. */
  authorization: string | null;
  /** The session cookie's secret. */
  sessionSecret: string | null;
  /** The X-CSRF-Token header. */
  csrfToken: string | null;
  /** GET and HEAD change nothing (tRPC queries, GraphQL queries over GET), so they need no CSRF token. */
  safeMethod: boolean;
}

/**
 * The user a request acts for: a bearer credential when the Authorization header is there (a browser
 * never adds one on its own, so it needs no CSRF token), else the session cookie. A live session on an
 * unsafe method without its CSRF token is refused outright rather than treated as anonymous, so the
 * caller learns why.
 */
export async function authenticateUser(prisma: PrismaClient, adminJwt: AdminJwtIssuer, credentials: RequestCredentials): Promise<UserActor | null> {
  if (credentials.authorization) return authenticateAdmin(prisma, adminJwt, bearerToken(credentials.authorization));
  const session = await findLiveSession(prisma, credentials.sessionSecret);
  if (!session || !credentials.sessionSecret) return null;
  if (!credentials.safeMethod && !csrfTokenMatches(credentials.sessionSecret, credentials.csrfToken)) {
    throw new GatewayError('forbidden', `a request signed in by the session cookie must send the session's CSRF token in ${CSRF_HEADER}`, {
      param: CSRF_HEADER,
    });
  }
  return { kind: 'user', userId: session.userId, isPlatformAdmin: session.user.isPlatformAdmin, credential: { kind: 'session', sessionId: session.id } };
}

export async function authenticateDataPlaneToken(prisma: PrismaClient, token: string | null): Promise<DataPlaneActor | null> {
  if (!token) return null;
  const row = await prisma.dataPlaneToken.findUnique({ where: { tokenHash: hashSecret(token) } });
  if (!row || row.revokedAt) return null;
  return { kind: 'data-plane', tokenId: row.id };
}
