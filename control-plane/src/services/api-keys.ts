// Client API keys: the secret is shown once at creation and stored only as its SHA-256. Members manage
// their own keys; owners and admins every key of the org (permissions.ts).
import { z } from 'zod';
import { isKnownTimeZone } from '../../../shared/src/budget-windows.ts';
import { API_KEY_PREFIX, generateSecret, hashSecret } from '../../../shared/src/crypto.ts';
import { GatewayError } from '../../../shared/src/errors.ts';
import type { ApiKey, Prisma } from '../../generated/prisma/client.ts';
import { recordAudit, type AuditEntry } from './audit.ts';
import { displayNameSchema, parseInput, perMinuteSchema } from './input-schemas.ts';
import { microsOrNull, microsSchema } from './micros.ts';
import { authorizeOrgAction, mayDo } from './org-access.ts';
import { assertModelPatternsExist, assertProvidersExist, modelPatternSchema, providerSlugSchema } from './policy-patterns.ts';
import type { ServiceContext } from './service-context.ts';

export const apiKeyScopesSchema = z.object({
  /** Model ids or `provider/*` the key may use; null = whatever the org allows. */
  models: z.array(modelPatternSchema).nullable().default(null),
  /** Provider slugs the key may use; null = whatever the org allows. */
  providers: z.array(providerSlugSchema).nullable().default(null),
});

/** A key's spending caps (µ$) per window; null or omitted = no cap. Windows reset at midnight in `timeZone`. */
export const apiKeyBudgetSchema = z.object({
  dailyMicros: microsSchema.nullable().default(null),
  weeklyMicros: microsSchema.nullable().default(null),
  monthlyMicros: microsSchema.nullable().default(null),
  /** IANA time zone, e.g. `Europe/Paris`; default UTC. */
  timeZone: z.string().refine(isKnownTimeZone, 'an IANA time zone such as UTC or Europe/Paris').default('UTC'),
});

export type ApiKeyBudget = z.output<typeof apiKeyBudgetSchema>;

/** A key's own requests and tokens per minute; null or omitted = the org policy's per-key default. */
export const apiKeyRateLimitsSchema = z.object({ rpm: perMinuteSchema.nullable().default(null), tpm: perMinuteSchema.nullable().default(null) });

export type ApiKeyRateLimits = z.output<typeof apiKeyRateLimitsSchema>;

export const createApiKeyInputSchema = z.object({
  orgId: z.string(),
  name: displayNameSchema,
  expiresAt: z.coerce.date().nullish(),
  /** The key's owner; defaults to the acting user. Only owners and admins may name someone else. */
  userId: z.string().optional(),
  scopes: apiKeyScopesSchema.optional(),
  budget: apiKeyBudgetSchema.optional(),
  rateLimits: apiKeyRateLimitsSchema.optional(),
});

export const setApiKeyBudgetInputSchema = z.object({ id: z.string(), budget: apiKeyBudgetSchema });

export type SetApiKeyBudgetInput = z.input<typeof setApiKeyBudgetInputSchema>;

export const setApiKeyRateLimitsInputSchema = z.object({ id: z.string(), rateLimits: apiKeyRateLimitsSchema });

export type SetApiKeyRateLimitsInput = z.input<typeof setApiKeyRateLimitsInputSchema>;
export type CreateApiKeyInput = z.input<typeof createApiKeyInputSchema>;
export type ApiKeyScopes = z.output<typeof apiKeyScopesSchema>;

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
  scopes: ApiKeyScopes;
  budget: ApiKeyBudget;
  rateLimits: ApiKeyRateLimits;
}

export interface CreatedApiKey {
  apiKey: ApiKey;
  /** The plaintext secret; returned by this call only. */
  key: string;
}

export async function createApiKey(context: ServiceContext, rawInput: CreateApiKeyInput): Promise<CreatedApiKey> {
  const input = parseInput(createApiKeyInputSchema, rawInput, 'input');
  const membership = await authorizeOrgAction(context, input.orgId, 'apiKey.create');
  const actingUserId = context.actor.kind === 'user' ? context.actor.userId : null;
  const userId = input.userId ?? actingUserId;
  if (!userId) throw new GatewayError('invalid_request', 'an API key needs an owning user', { param: 'userId' });
  if (userId !== actingUserId && !mayDo(membership, 'apiKey.manageAll')) {
    throw new GatewayError('forbidden', `the ${membership?.role} role may create keys only for itself`, { param: 'userId' });
  }
  if (input.expiresAt && input.expiresAt.getTime() <= Date.now()) {
    throw new GatewayError('invalid_request', 'expiresAt must be in the future', { param: 'expiresAt' });
  }
  const scopes = input.scopes ?? { models: null, providers: null };
  const budget = input.budget ?? null;
  const rateLimits = input.rateLimits ?? null;
  const key = generateSecret(API_KEY_PREFIX);
  const created = await context.prisma.$transaction(async (transaction) => {
    const member = await transaction.membership.findUnique({ where: { orgId_userId: { orgId: input.orgId, userId } } });
    if (!member) throw new GatewayError('invalid_request', 'the key owner must be a member of the organization', { param: 'userId' });
    await assertModelPatternsExist(transaction, scopes.models ?? [], 'scopes.models');
    await assertProvidersExist(transaction, scopes.providers ?? [], 'scopes.providers');
    const row = await transaction.apiKey.create({
      data: {
        orgId: input.orgId,
        userId,
        name: input.name,
        keyHash: hashSecret(key),
        prefix: API_KEY_PREFIX,
        last4: key.slice(-4),
        expiresAt: input.expiresAt ?? null,
        restrictModels: scopes.models !== null,
        allowedModels: scopes.models ?? [],
        restrictProviders: scopes.providers !== null,
        allowedProviders: scopes.providers ?? [],
        ...(budget === null ? {} : budgetColumns(budget)),
        ...(rateLimits === null ? {} : { rpmLimit: rateLimits.rpm, tpmLimit: rateLimits.tpm }),
      },
    });
    await recordAudit(transaction, context.actor, {
      action: 'api-key.create',
      target: `api-key:${row.id}`,
      orgId: input.orgId,
      details: { name: input.name, userId, scopes, ...(budget === null ? {} : { budget }), ...(rateLimits === null ? {} : { rateLimits }) },
    });
    return row;
  });
  context.snapshotChanged({ apiKeys: [created.id] });
  return { apiKey: created, key };
}

/** The org's keys; a member sees only their own. */
export async function listApiKeys(context: ServiceContext, input: { orgId: string }): Promise<ApiKey[]> {
  const membership = await authorizeOrgAction(context, input.orgId, 'apiKey.read');
  const ownOnly = !mayDo(membership, 'apiKey.manageAll') && membership !== null;
  return context.prisma.apiKey.findMany({
    where: { orgId: input.orgId, ...(ownOnly ? { userId: membership.userId } : {}) },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
  });
}

/** Revokes a key; revoking a revoked key is a no-op that returns it unchanged. */
export async function revokeApiKey(context: ServiceContext, input: { id: string }): Promise<ApiKey> {
  const existing = await findManagedKey(context, input.id, 'apiKey.revoke', 'revoke');
  if (existing.revokedAt) return existing;
  const revoked = await context.prisma.$transaction(async (transaction) => {
    const row = await transaction.apiKey.update({ where: { id: input.id }, data: { revokedAt: new Date() } });
    await recordAudit(transaction, context.actor, { action: 'api-key.revoke', target: `api-key:${row.id}`, orgId: row.orgId });
    return row;
  });
  context.snapshotChanged({ apiKeys: [revoked.id] });
  return revoked;
}

/**
 * Replaces a key's budget (all three windows and the time zone). Owners and admins only: a member must
 * not lift the cap an admin put on their key.
 */
export async function setApiKeyBudget(context: ServiceContext, rawInput: SetApiKeyBudgetInput): Promise<ApiKey> {
  const input = parseInput(setApiKeyBudgetInputSchema, rawInput, 'input');
  return updateManagedKey(context, input.id, 'set the budget of', budgetColumns(input.budget), { action: 'api-key.budget', details: { budget: input.budget } });
}

/** Replaces a key's own requests and tokens per minute (owners and admins, as for budgets). */
export async function setApiKeyRateLimits(context: ServiceContext, rawInput: SetApiKeyRateLimitsInput): Promise<ApiKey> {
  const input = parseInput(setApiKeyRateLimitsInputSchema, rawInput, 'input');
  const columns = { rpmLimit: input.rateLimits.rpm, tpmLimit: input.rateLimits.tpm };
  return updateManagedKey(context, input.id, 'set the rate limits of', columns, { action: 'api-key.rate-limits', details: { rateLimits: input.rateLimits } });
}

/** Changes a key's limits as an owner or admin, with its audit row; a live key reaches the data planes. */
async function updateManagedKey(
  context: ServiceContext,
  id: string,
  verb: string,
  data: Prisma.ApiKeyUpdateInput,
  audit: Pick<AuditEntry, 'action' | 'details'>,
): Promise<ApiKey> {
  const existing = await findManagedKey(context, id, 'apiKey.manageAll', verb);
  const updated = await context.prisma.$transaction(async (transaction) => {
    const row = await transaction.apiKey.update({ where: { id }, data });
    await recordAudit(transaction, context.actor, { ...audit, target: `api-key:${row.id}`, orgId: row.orgId });
    return row;
  });
  if (existing.revokedAt === null) context.snapshotChanged({ apiKeys: [updated.id] });
  return updated;
}

/** The key, if the caller may act on it: another org's key is not_found, as a missing one. */
async function findManagedKey(context: ServiceContext, id: string, action: 'apiKey.revoke' | 'apiKey.manageAll', verb: string): Promise<ApiKey> {
  const notFound = new GatewayError('not_found', `API key ${id} not found`, { param: 'id' });
  const existing = await context.prisma.apiKey.findUnique({ where: { id } });
  if (!existing) throw notFound;
  let membership;
  try {
    membership = await authorizeOrgAction(context, existing.orgId, action);
  } catch (error) {
    // Same answer as a missing key: the caller must not learn that another org's key exists.
    if (error instanceof GatewayError && error.code === 'not_found') throw notFound;
    throw error;
  }
  if (membership && existing.userId !== membership.userId && !mayDo(membership, 'apiKey.manageAll')) {
    throw new GatewayError('forbidden', `the ${membership.role} role may ${verb} only its own keys`, { param: 'id' });
  }
  return existing;
}

function budgetColumns(budget: ApiKeyBudget) {
  const big = (micros: number | null) => (micros === null ? null : BigInt(micros));
  return {
    budgetDailyMicros: big(budget.dailyMicros),
    budgetWeeklyMicros: big(budget.weeklyMicros),
    budgetMonthlyMicros: big(budget.monthlyMicros),
    budgetTimeZone: budget.timeZone,
  };
}

export function apiKeyBudget(row: ApiKey): ApiKeyBudget {
  return {
    dailyMicros: microsOrNull(row.budgetDailyMicros),
    weeklyMicros: microsOrNull(row.budgetWeeklyMicros),
    monthlyMicros: microsOrNull(row.budgetMonthlyMicros),
    timeZone: row.budgetTimeZone,
  };
}

export function apiKeyScopes(row: ApiKey): ApiKeyScopes {
  return { models: row.restrictModels ? row.allowedModels : null, providers: row.restrictProviders ? row.allowedProviders : null };
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
    scopes: apiKeyScopes(row),
    budget: apiKeyBudget(row),
    rateLimits: { rpm: row.rpmLimit, tpm: row.tpmLimit },
  };
}
