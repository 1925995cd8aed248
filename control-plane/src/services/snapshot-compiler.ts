// Compiles what a data plane needs from the database into a SnapshotState (shared/src/snapshot.ts): the
// whole state, or (compileApiKey, compileOrg, compileProvider, compileModel, for the publisher's changes
// of a few rows) one entry.
import {
  snapshotPricesSchema,
  snapshotProviderSchema,
  type SnapshotApiKey,
  type SnapshotModel,
  type SnapshotOrg,
  type SnapshotProvider,
  type SnapshotState,
} from '../../../shared/src/snapshot.ts';
import { microdollars, type Microdollars } from '../../../shared/src/money.ts';
import type { ApiKey, Membership, Model, ModelEndpoint, Organization, OrgPolicy, Prisma, PrismaClient, Provider } from '../../generated/prisma/client.ts';
import { endpointRowPrices } from './catalog.ts';
import type { ByokSnapshotCompiler } from './byok/compile-byok-credentials.ts';
import { supportedParameters } from './supported-parameters.ts';

/**
 * Options of a read transaction over whole tables. Prisma closes a transaction after 5 s by default,
 * and reading 100k keys and 10k organizations takes about that long on a loaded machine: the first
 * compile then failed and the control plane exited at start ("snapshot publisher not started").
 */
export const WHOLE_TABLE_READ = { timeout: 10 * 60_000, maxWait: 60_000 } as const;

export async function compileSnapshotState(prisma: PrismaClient, byok: ByokSnapshotCompiler): Promise<SnapshotState> {
  // One read transaction, so the sections agree with each other (no key of an org the snapshot lacks).
  const [apiKeys, orgs, providers, models, byokCredentials] = await prisma.$transaction(
    [
      prisma.apiKey.findMany({ where: { revokedAt: null } }),
      prisma.organization.findMany({ include: orgSnapshotInclude }),
      prisma.provider.findMany({ where: { enabled: true } }),
      prisma.model.findMany({ where: { enabled: true }, include: modelSnapshotInclude }),
      prisma.byokCredential.findMany({ orderBy: { id: 'asc' } }),
    ],
    WHOLE_TABLE_READ,
  );
  const state: SnapshotState = { apiKeys: {}, orgs: {}, providers: {}, models: {}, byokCredentials: await byok.compile(byokCredentials) };
  for (const key of apiKeys) state.apiKeys[key.keyHash] = compileApiKey(key);
  for (const org of orgs) state.orgs[org.id] = compileOrg(org);
  for (const provider of providers) {
    const compiled = compileProvider(provider);
    if (compiled !== null) state.providers[provider.id] = compiled;
  }
  for (const model of models) {
    const compiled = compileModel(model);
    if (compiled !== null) state.models[model.id] = compiled;
  }
  return state;
}

/** What compileModel needs read with each model: its endpoints on enabled providers, in order. */
export const modelSnapshotInclude = {
  endpoints: { where: { provider: { enabled: true } }, orderBy: [{ priority: 'asc' }, { id: 'asc' }] },
} as const satisfies Prisma.ModelInclude;

/** An enabled provider's entry (keyed by its id); null for a disabled one, which the snapshot leaves out. */
export function compileProvider(provider: Provider): SnapshotProvider | null {
  if (!provider.enabled) return null;
  return {
    id: provider.id,
    slug: provider.slug,
    kind: snapshotProviderSchema.shape.kind.parse(provider.kind),
    baseUrl: provider.baseUrl,
    apiKeyEnv: provider.apiKeyEnv,
  };
}

/**
 * A model's entry (keyed by its id), read with modelSnapshotInclude; null for a disabled model, and for
 * one no enabled provider serves: it cannot be routed, so data planes should not list it.
 */
export function compileModel(model: Model & { endpoints: ModelEndpoint[] }): SnapshotModel | null {
  if (!model.enabled || model.endpoints.length === 0) return null;
  return {
    id: model.id,
    name: model.name,
    aliases: model.aliases,
    created: Math.floor(model.createdAt.getTime() / 1000),
    contextLength: model.contextLength,
    description: model.description,
    maxOutputTokens: model.maxOutputTokens,
    inputModalities: model.inputModalities,
    outputModalities: model.outputModalities,
    supportedParameters: supportedParameters(model),
    endpoints: model.endpoints.map((endpoint) => ({
      providerId: endpoint.providerId,
      upstreamModel: endpoint.upstreamModel,
      priority: endpoint.priority,
      weight: endpoint.weight,
      prices: {
        ...endpointRowPrices(endpoint),
        // Written only by the catalog import (catalog-import/convert-genai-prices.ts PriceTiers).
        ...(endpoint.priceTiers === null ? {} : { tiers: snapshotPricesSchema.shape.tiers.parse(endpoint.priceTiers) }),
      },
    })),
  };
}

/** What compileOrg needs read with each organization. */
export const orgSnapshotInclude = { policy: true, memberships: { where: { dailyLimitMicros: { not: null } } } } as const;

/** An unrevoked key's entry (keyed by its keyHash). */
export function compileApiKey(key: ApiKey): SnapshotApiKey {
  const compiled: SnapshotApiKey = {
    id: key.id,
    orgId: key.orgId,
    userId: key.userId,
    name: key.name,
    expiresAt: key.expiresAt?.toISOString() ?? null,
    scopes: { models: key.restrictModels ? key.allowedModels : null, providers: key.restrictProviders ? key.allowedProviders : null },
  };
  // Only keys with a budget carry one, so the entries (and state hash) of the others stay as they were.
  if (hasKeyBudget(key)) {
    compiled.budget = {
      timeZone: key.budgetTimeZone,
      dailyMicros: microsOrNullOf(key.budgetDailyMicros),
      weeklyMicros: microsOrNullOf(key.budgetWeeklyMicros),
      monthlyMicros: microsOrNullOf(key.budgetMonthlyMicros),
    };
  }
  if (key.rpmLimit !== null || key.tpmLimit !== null) compiled.rateLimits = { rpm: key.rpmLimit, tpm: key.tpmLimit };
  return compiled;
}

export function hasKeyBudget(key: Pick<ApiKey, 'budgetDailyMicros' | 'budgetWeeklyMicros' | 'budgetMonthlyMicros'>): boolean {
  return key.budgetDailyMicros !== null || key.budgetWeeklyMicros !== null || key.budgetMonthlyMicros !== null;
}

function microsOrNullOf(value: bigint | null): Microdollars | null {
  return value === null ? null : microdollars(Number(value));
}

export function compileOrg(org: Organization & { policy: OrgPolicy | null; memberships: Membership[] }): SnapshotOrg {
  const { policy } = org;
  const userDailyLimitMicros: Record<string, Microdollars> = {};
  for (const membership of org.memberships) {
    if (membership.dailyLimitMicros !== null) userDailyLimitMicros[membership.userId] = microdollars(Number(membership.dailyLimitMicros));
  }
  return {
    id: org.id,
    name: org.name,
    allowedModels: policy?.restrictModels ? policy.allowedModels : null,
    allowedProviders: policy?.restrictProviders ? policy.allowedProviders : null,
    deniedProviders: policy?.deniedProviders ?? [],
    dailyLimitMicros: policy?.dailyLimitMicros == null ? null : microdollars(Number(policy.dailyLimitMicros)),
    userDailyLimitMicros,
    // Only orgs with a rate limit carry the field, so the others' entries (and hashes) stay as they were.
    ...(policy !== null &&
      (policy.orgRpmLimit !== null || policy.orgTpmLimit !== null || policy.keyRpmLimit !== null || policy.keyTpmLimit !== null) && {
        rateLimits: { rpm: policy.orgRpmLimit, tpm: policy.orgTpmLimit, keyRpm: policy.keyRpmLimit, keyTpm: policy.keyTpmLimit },
      }),
  };
}
