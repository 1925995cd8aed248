// Client API keys: the secret is shown once at creation and stored only as its SHA-256.
import { API_KEY_PREFIX, generateSecret, hashSecret } from '../../../shared/src/crypto.ts';
import { GatewayError } from '../../../shared/src/errors.ts';
import type { ApiKey } from '../../generated/prisma/client.ts';
import { recordAudit } from './audit.ts';
import { assertOrgAccess } from './org-access.ts';
import type { ServiceContext } from './service-context.ts';

export interface ApiKeyView {
  id: string;
  orgId: string;
  userId: string;
  name: string;
  prefix: string;
  last4: string;
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  createdAt: Date;
}

export interface CreatedApiKey {
  apiKey: ApiKey;
  /** The plaintext secret; returned by this call only. */
  key: string;
}

export interface CreateApiKeyInput {
  orgId: string;
  name: string;
  expiresAt?: Date | null;
  /** The key's owner; defaults to the acting user. */
  userId?: string;
}

export async function createApiKey(context: ServiceContext, input: CreateApiKeyInput): Promise<CreatedApiKey> {
  await assertOrgAccess(context, input.orgId);
  const userId = input.userId ?? (context.actor.kind === 'user' ? context.actor.userId : null);
  if (!userId) throw new GatewayError('invalid_request', 'an API key needs an owning user', { param: 'userId' });
  if (input.expiresAt && input.expiresAt.getTime() <= Date.now()) {
    throw new GatewayError('invalid_request', 'expiresAt must be in the future', { param: 'expiresAt' });
  }
  const key = generateSecret(API_KEY_PREFIX);
  const created = await context.prisma.$transaction(async (transaction) => {
    const member = await transaction.membership.findUnique({ where: { orgId_userId: { orgId: input.orgId, userId } } });
    if (!member) throw new GatewayError('invalid_request', 'the key owner must be a member of the organization', { param: 'userId' });
    const row = await transaction.apiKey.create({
      data: {
        orgId: input.orgId,
        userId,
        name: input.name,
        keyHash: hashSecret(key),
        prefix: API_KEY_PREFIX,
        last4: key.slice(-4),
        expiresAt: input.expiresAt ?? null,
      },
    });
    await recordAudit(transaction, context.actor, { action: 'api-key.create', target: `api-key:${row.id}`, details: { orgId: input.orgId, name: input.name } });
    return row;
  });
  context.snapshotChanged();
  return { apiKey: created, key };
}

export async function listApiKeys(context: ServiceContext, input: { orgId: string }): Promise<ApiKey[]> {
  await assertOrgAccess(context, input.orgId);
  return context.prisma.apiKey.findMany({ where: { orgId: input.orgId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
}

/** Revokes a key; revoking a revoked key is a no-op that returns it unchanged. */
export async function revokeApiKey(context: ServiceContext, input: { id: string }): Promise<ApiKey> {
  const existing = await context.prisma.apiKey.findUnique({ where: { id: input.id } });
  if (!existing) throw new GatewayError('not_found', `API key ${input.id} not found`, { param: 'id' });
  try {
    await assertOrgAccess(context, existing.orgId);
  } catch {
    // Same answer as a missing key: the caller must not learn that another org's key exists.
    throw new GatewayError('not_found', `API key ${input.id} not found`, { param: 'id' });
  }
  if (existing.revokedAt) return existing;
  const revoked = await context.prisma.$transaction(async (transaction) => {
    const row = await transaction.apiKey.update({ where: { id: input.id }, data: { revokedAt: new Date() } });
    await recordAudit(transaction, context.actor, { action: 'api-key.revoke', target: `api-key:${row.id}`, details: { orgId: row.orgId } });
    return row;
  });
  context.snapshotChanged();
  return revoked;
}

/** What the APIs show of a key: never its hash. */
export function toApiKeyView(row: ApiKey): ApiKeyView {
  return {
    id: row.id,
    orgId: row.orgId,
    userId: row.userId,
    name: row.name,
    prefix: row.prefix,
    last4: row.last4,
    expiresAt: row.expiresAt,
    revokedAt: row.revokedAt,
    lastUsedAt: row.lastUsedAt,
    createdAt: row.createdAt,
  };
}
