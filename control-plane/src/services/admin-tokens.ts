// Long-lived admin API tokens. Each user manages only their own: a token acts as its user, so minting
// one for somebody else would be impersonation. Stored as SHA-256 only, shown once. A JWT may list and
// revoke tokens but never create one: a short-lived credential must not be able to make itself permanent.
import { generateSecret, hashSecret } from '../../../shared/src/crypto.ts';
import { GatewayError } from '../../../shared/src/errors.ts';
import type { AdminToken } from '../../generated/prisma/client.ts';
import { recordAudit } from './audit.ts';
import { authorizePlatformAction } from './org-access.ts';
import type { ServiceContext } from './service-context.ts';

export const ADMIN_TOKEN_PREFIX = 'gwa-';

export interface AdminTokenView {
  id: string;
  name: string;
  revokedAt: Date | null;
  createdAt: Date;
}

function actingUserId(context: ServiceContext): string {
  authorizePlatformAction(context, 'adminToken.manageOwn');
  if (context.actor.kind !== 'user') throw new GatewayError('forbidden', 'admin tokens belong to users');
  return context.actor.userId;
}

export async function createAdminToken(context: ServiceContext, input: { name: string }): Promise<{ adminToken: AdminToken; token: string }> {
  const userId = actingUserId(context);
  if (context.actor.kind === 'user' && context.actor.credential.kind === 'admin-jwt') {
    throw new GatewayError('forbidden', 'an admin JWT cannot create admin tokens; use an admin token or a signed-in session');
  }
  const token = generateSecret(ADMIN_TOKEN_PREFIX);
  const adminToken = await context.prisma.$transaction(async (transaction) => {
    const row = await transaction.adminToken.create({ data: { userId, name: input.name, tokenHash: hashSecret(token) } });
    await recordAudit(transaction, context.actor, { action: 'admin-token.create', target: `admin-token:${row.id}`, details: { name: input.name } });
    return row;
  });
  return { adminToken, token };
}

export async function listAdminTokens(context: ServiceContext): Promise<AdminToken[]> {
  const userId = actingUserId(context);
  return context.prisma.adminToken.findMany({ where: { userId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
}

/** Revokes one of the caller's tokens; someone else's token answers like a missing one. */
export async function revokeAdminToken(context: ServiceContext, input: { id: string }): Promise<AdminToken> {
  const userId = actingUserId(context);
  const existing = await context.prisma.adminToken.findUnique({ where: { id: input.id } });
  if (!existing || existing.userId !== userId) throw new GatewayError('not_found', `admin token ${input.id} not found`, { param: 'id' });
  if (existing.revokedAt) return existing;
  return context.prisma.$transaction(async (transaction) => {
    const row = await transaction.adminToken.update({ where: { id: input.id }, data: { revokedAt: new Date() } });
    await recordAudit(transaction, context.actor, { action: 'admin-token.revoke', target: `admin-token:${row.id}` });
    return row;
  });
}

export function toAdminTokenView(row: AdminToken): AdminTokenView {
  return { id: row.id, name: row.name, revokedAt: row.revokedAt, createdAt: row.createdAt };
}
