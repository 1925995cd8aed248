import {
  apiKeyBudget,
  apiKeyScopes,
  createApiKey,
  listApiKeys,
  revokeApiKey,
  setApiKeyBudget,
  setApiKeyRateLimits,
  type ApiKeyBudget,
  type ApiKeyScopes,
  type CreatedApiKey,
} from '../../services/api-keys.ts';
import { displayNameSchema, parseInput } from '../../services/input-schemas.ts';
import { actorField } from '../actor-field.ts';
import { builder } from '../builder.ts';
import { requireAdmin } from '../graphql-context.ts';

const ApiKeyScopesType = builder.objectRef<ApiKeyScopes>('ApiKeyScopes').implement({
  description: 'What the key may use within the org policy; null = unrestricted.',
  fields: (t) => ({
    models: t.exposeStringList('models', { nullable: true }),
    providers: t.exposeStringList('providers', { nullable: true }),
  }),
});

const ApiKeyScopesInput = builder.inputType('ApiKeyScopesInput', {
  fields: (t) => ({
    models: t.stringList({ required: false, description: 'Model ids or `provider/*`; omitted or null = unrestricted.' }),
    providers: t.stringList({ required: false, description: 'Provider slugs; omitted or null = unrestricted.' }),
  }),
});

const ApiKeyBudgetType = builder.objectRef<ApiKeyBudget>('ApiKeyBudget').implement({
  description: "The key's spending caps per window; null = no cap. Windows reset at midnight in timeZone (weeks start on Monday).",
  fields: (t) => ({
    dailyMicros: t.expose('dailyMicros', { type: 'Micros', nullable: true }),
    weeklyMicros: t.expose('weeklyMicros', { type: 'Micros', nullable: true }),
    monthlyMicros: t.expose('monthlyMicros', { type: 'Micros', nullable: true }),
    timeZone: t.exposeString('timeZone'),
  }),
});

const ApiKeyBudgetInput = builder.inputType('ApiKeyBudgetInput', {
  fields: (t) => ({
    dailyMicros: t.field({ type: 'Micros', required: false, description: 'Omitted or null = no daily cap.' }),
    weeklyMicros: t.field({ type: 'Micros', required: false, description: 'Omitted or null = no weekly cap.' }),
    monthlyMicros: t.field({ type: 'Micros', required: false, description: 'Omitted or null = no monthly cap.' }),
    timeZone: t.string({ required: false, description: 'IANA time zone whose midnight resets the windows; default UTC.' }),
  }),
});

/** GraphQL's nulls for omitted budget fields → the service's input. */
function budgetInput(budget: { dailyMicros?: number | null; weeklyMicros?: number | null; monthlyMicros?: number | null; timeZone?: string | null }) {
  return {
    dailyMicros: budget.dailyMicros ?? null,
    weeklyMicros: budget.weeklyMicros ?? null,
    monthlyMicros: budget.monthlyMicros ?? null,
    timeZone: budget.timeZone ?? undefined,
  };
}

const ApiKeyRateLimitsType = builder.objectRef<{ rpm: number | null; tpm: number | null }>('ApiKeyRateLimits').implement({
  description: "The key's own requests and tokens per minute; null = the org policy's per-key default.",
  fields: (t) => ({ rpm: t.exposeInt('rpm', { nullable: true }), tpm: t.exposeInt('tpm', { nullable: true }) }),
});

const ApiKeyRateLimitsInput = builder.inputType('ApiKeyRateLimitsInput', {
  fields: (t) => ({
    rpm: t.int({ required: false, description: "Omitted or null = the org policy's per-key default." }),
    tpm: t.int({ required: false, description: "Omitted or null = the org policy's per-key default." }),
  }),
});

export const ApiKeyType = builder.prismaObject('ApiKey', {
  fields: (t) => ({
    id: t.exposeID('id'),
    orgId: t.exposeString('orgId'),
    userId: t.exposeString('userId'),
    name: t.exposeString('name'),
    prefix: t.exposeString('prefix'),
    last4: t.exposeString('last4'),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', nullable: true }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true }),
    lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    scopes: t.field({ type: ApiKeyScopesType, resolve: (row) => apiKeyScopes(row) }),
    budget: t.field({ type: ApiKeyBudgetType, resolve: (row) => apiKeyBudget(row) }),
    rateLimits: t.field({ type: ApiKeyRateLimitsType, resolve: (row) => ({ rpm: row.rpmLimit, tpm: row.tpmLimit }) }),
  }),
});

const CreatedApiKeyType = builder.objectRef<CreatedApiKey>('CreatedApiKey').implement({
  description: 'A new key. `key` is the secret: shown this once, stored nowhere.',
  fields: (t) => ({
    key: t.exposeString('key'),
    apiKey: t.field({ type: ApiKeyType, resolve: (parent) => parent.apiKey }),
  }),
});

builder.queryField('apiKeys', (t) =>
  t.prismaField({
    type: ['ApiKey'],
    description: "The org's keys; a member sees only their own.",
    args: { orgId: t.arg.id({ required: true }) },
    resolve: (_query, _root, args, context) => listApiKeys(requireAdmin(context), args),
  }),
);

actorField('mutation', 'createApiKey', {
  type: CreatedApiKeyType,
  args: builder.args((t) => ({
    orgId: t.id({ required: true }),
    name: t.string({ required: true }),
    expiresAt: t.field({ type: 'DateTime', required: false }),
    userId: t.id({ required: false, description: "The key's owner; defaults to the caller (owners and admins only)." }),
    scopes: t.field({ type: ApiKeyScopesInput, required: false }),
    budget: t.field({ type: ApiKeyBudgetInput, required: false }),
    rateLimits: t.field({ type: ApiKeyRateLimitsInput, required: false }),
  })),
  call: (actor, input) =>
    createApiKey(actor, {
      ...input,
      name: parseInput(displayNameSchema, input.name, 'name'),
      expiresAt: input.expiresAt ?? null,
      scopes: input.scopes ? { models: input.scopes.models ?? null, providers: input.scopes.providers ?? null } : undefined,
      budget: input.budget ? budgetInput(input.budget) : undefined,
      rateLimits: input.rateLimits ? { rpm: input.rateLimits.rpm ?? null, tpm: input.rateLimits.tpm ?? null } : undefined,
    }),
});

builder.mutationField('setApiKeyRateLimits', (t) =>
  t.prismaField({
    type: 'ApiKey',
    description: "Replaces the key's own requests and tokens per minute (owners and admins).",
    args: { id: t.arg.id({ required: true }), rateLimits: t.arg({ type: ApiKeyRateLimitsInput, required: true }) },
    resolve: (_query, _root, args, context) =>
      setApiKeyRateLimits(requireAdmin(context), { id: args.id, rateLimits: { rpm: args.rateLimits.rpm ?? null, tpm: args.rateLimits.tpm ?? null } }),
  }),
);

builder.mutationField('setApiKeyBudget', (t) =>
  t.prismaField({
    type: 'ApiKey',
    description: "Replaces the key's budget: every window and the time zone (owners and admins).",
    args: { id: t.arg.id({ required: true }), budget: t.arg({ type: ApiKeyBudgetInput, required: true }) },
    resolve: (_query, _root, args, context) => setApiKeyBudget(requireAdmin(context), { id: args.id, budget: budgetInput(args.budget) }),
  }),
);

builder.mutationField('revokeApiKey', (t) =>
  t.prismaField({
    type: 'ApiKey',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_query, _root, args, context) => revokeApiKey(requireAdmin(context), args),
  }),
);
