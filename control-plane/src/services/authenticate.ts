// Bearer tokens of the admin API and of data planes are looked up by hash, like API keys.
import { hashSecret } from '../../../shared/src/crypto.ts';
import type { PrismaClient } from '../../generated/prisma/client.ts';
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

export async function authenticateDataPlaneToken(prisma: PrismaClient, token: string | null): Promise<DataPlaneActor | null> {
  if (!token) return null;
  const row = await prisma.dataPlaneToken.findUnique({ where: { tokenHash: hashSecret(token) } });
  if (!row || row.revokedAt) return null;
  return { kind: 'data-plane', tokenId: row.id };
}
