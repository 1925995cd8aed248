// Bearer tokens of the admin API and of data planes are looked up by hash, like API keys; the admin API
// also takes the short-lived JWTs of services/admin-jwt.ts, told apart by their three dot-separated parts.
import { hashSecret } from '../../../shared/src/crypto.ts';
import type { PrismaClient } from '../../generated/prisma/client.ts';
import type { AdminJwtIssuer } from './admin-jwt.ts';
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

export async function authenticateDataPlaneToken(prisma: PrismaClient, token: string | null): Promise<DataPlaneActor | null> {
  if (!token) return null;
  const row = await prisma.dataPlaneToken.findUnique({ where: { tokenHash: hashSecret(token) } });
  if (!row || row.revokedAt) return null;
  return { kind: 'data-plane', tokenId: row.id };
}
