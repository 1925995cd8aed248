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
  return { kind: 'user', userId: row.userId, isPlatformAdmin: row.user.isPlatformAdmin };
}

export interface AdminAuthentication {
  actor: UserActor;
  /** Only a long-lived admin token may be exchanged for a JWT, so a JWT cannot extend itself. */
  via: 'admin-token' | 'jwt';
}

/** An admin token or an admin JWT → the user it acts as; null when neither is valid. */
export async function authenticateAdmin(prisma: PrismaClient, adminJwt: AdminJwtIssuer, token: string | null): Promise<AdminAuthentication | null> {
  if (!token) return null;
  if (token.split('.').length !== 3) {
    const actor = await authenticateAdminToken(prisma, token);
    return actor && { actor, via: 'admin-token' };
  }
  const userId = await adminJwt.verify(token);
  if (!userId) return null;
  const user = await prisma.user.findUnique({ where: { id: userId } });
  return user && { actor: { kind: 'user', userId: user.id, isPlatformAdmin: user.isPlatformAdmin }, via: 'jwt' };
}

export async function authenticateDataPlaneToken(prisma: PrismaClient, token: string | null): Promise<DataPlaneActor | null> {
  if (!token) return null;
  const row = await prisma.dataPlaneToken.findUnique({ where: { tokenHash: hashSecret(token) } });
  if (!row || row.revokedAt) return null;
  return { kind: 'data-plane', tokenId: row.id };
}
