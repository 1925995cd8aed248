// The platform-wide model catalog: providers, models and the endpoints (provider + price) serving each model.
import { z } from 'zod';
import { GatewayError } from '../../../shared/src/errors.ts';
import { nanodollarsPerToken, type TokenPrices } from '../../../shared/src/money.ts';
import { PROVIDER_KEY_ENV_PATTERN, PROVIDER_KEY_ENV_RULE } from '../../../shared/src/provider-key-env.ts';
import { snapshotProviderSchema } from '../../../shared/src/snapshot.ts';
import { Prisma, type Model, type ModelEndpoint, type Provider } from '../../generated/prisma/client.ts';
import { recordAudit } from './audit.ts';
import { checkProviderBaseUrl } from './check-provider-base-url.ts';
import { parseInput } from './input-schemas.ts';
import { authorizePlatformAction } from './org-access.ts';
import type { ServiceContext } from './service-context.ts';

const nanodollarsSchema = z.number().int().nonnegative();

/** An endpoint row's base prices in n$ per token, as the snapshot and both faces show them (tiers apart). */
export function endpointRowPrices(
  endpoint: Pick<ModelEndpoint, 'promptPriceNanos' | 'completionPriceNanos' | 'cacheReadPriceNanos' | 'cacheWritePriceNanos'>,
): Omit<TokenPrices, 'tiers'> {
  const price = (nanos: bigint | null) => (nanos === null ? null : nanodollarsPerToken(Number(nanos)));
  return {
    prompt: nanodollarsPerToken(Number(endpoint.promptPriceNanos)),
    completion: nanodollarsPerToken(Number(endpoint.completionPriceNanos)),
    cacheRead: price(endpoint.cacheReadPriceNanos),
    cacheWrite: price(endpoint.cacheWritePriceNanos),
  };
}

export const upsertProviderInputSchema = z.object({
  slug: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lowercase letters, digits and dashes'),
  kind: snapshotProviderSchema.shape.kind.default('openai-compatible'),
  baseUrl: z.url({ protocol: /^https?$/ }),
  apiKeyEnv: z.string().regex(PROVIDER_KEY_ENV_PATTERN, PROVIDER_KEY_ENV_RULE).nullable().default(null),
  enabled: z.boolean().default(true),
});

export const upsertModelInputSchema = z.object({
  /** Public id, `provider/model`. */
  id: z.string().regex(/^[^/\s]+\/\S+$/, 'a `provider/model` id'),
  name: z.string().min(1),
  /** Other ids a request may use for the model; replaces the model's aliases when given, kept when absent. */
  aliases: z
    .array(z.string().regex(/^[^/\s]+\/\S+$/, 'a `provider/model` id'))
    .max(100)
    .optional(),
  contextLength: z.number().int().positive().nullable().default(null),
  enabled: z.boolean().default(true),
  endpoint: z.object({
    providerSlug: z.string(),
    upstreamModel: z.string().min(1),
    priority: z.number().int().default(0),
    /** Share of the requests among the model's endpoints of equal priority (0 = only after the others). */
    weight: z.number().int().min(0).max(1_000_000).default(1),
    /** Nanodollars per token (shared/src/money.ts). */
    prices: z.object({
      prompt: nanodollarsSchema,
      completion: nanodollarsSchema,
      cacheRead: nanodollarsSchema.nullable().default(null),
      cacheWrite: nanodollarsSchema.nullable().default(null),
    }),
  }),
});

export const setModelEnabledInputSchema = z.object({ id: z.string().min(1), enabled: z.boolean() });

export const overrideModelPricesInputSchema = z.object({
  id: z.string().min(1),
  providerSlug: z.string().min(1),
  /** Nanodollars per token; a flat price (any imported tiers are dropped). */
  prices: z.object({
    prompt: nanodollarsSchema,
    completion: nanodollarsSchema,
    cacheRead: nanodollarsSchema.nullable().default(null),
    cacheWrite: nanodollarsSchema.nullable().default(null),
  }),
});

export type UpsertProviderInput = z.input<typeof upsertProviderInputSchema>;
export type UpsertModelInput = z.input<typeof upsertModelInputSchema>;
export type SetModelEnabledInput = z.input<typeof setModelEnabledInputSchema>;
export type OverrideModelPricesInput = z.input<typeof overrideModelPricesInputSchema>;

export type ModelWithEndpoints = Model & { endpoints: (ModelEndpoint & { provider: Provider })[] };

const modelInclude = { endpoints: { include: { provider: true }, orderBy: [{ priority: 'asc' }, { id: 'asc' }] } } satisfies Prisma.ModelInclude;

export async function listModels(context: ServiceContext): Promise<ModelWithEndpoints[]> {
  authorizePlatformAction(context, 'catalog.read');
  return context.prisma.model.findMany({ orderBy: { id: 'asc' }, include: modelInclude });
}

export async function listProviders(context: ServiceContext): Promise<Provider[]> {
  authorizePlatformAction(context, 'catalog.read');
  return context.prisma.provider.findMany({ orderBy: { slug: 'asc' } });
}

/** Creates or updates a provider by slug. */
export async function upsertProvider(context: ServiceContext, rawInput: UpsertProviderInput): Promise<Provider> {
  authorizePlatformAction(context, 'catalog.write');
  const input = parseInput(upsertProviderInputSchema, rawInput, 'input');
  // Startup code writes what the operator configured (the seeded simulator); admins are checked.
  await checkProviderBaseUrl(input.baseUrl, { allowPrivate: context.actor.kind === 'system' || context.allowPrivateUpstreams === true });
  const provider = await context.prisma.$transaction(async (transaction) => {
    const fields = { kind: input.kind, baseUrl: input.baseUrl, apiKeyEnv: input.apiKeyEnv, enabled: input.enabled };
    const row = await transaction.provider.upsert({ where: { slug: input.slug }, create: { slug: input.slug, ...fields }, update: fields });
    await recordAudit(transaction, context.actor, { action: 'provider.upsert', target: `provider:${row.id}`, details: { slug: input.slug, ...fields } });
    return row;
  });
  context.snapshotChanged({ providers: [provider.id] });
  return provider;
}

/** Runs a change to one model in a transaction, reads the model back and tells the snapshot it changed. */
async function changeModel(context: ServiceContext, id: string, change: (transaction: Prisma.TransactionClient) => Promise<void>): Promise<ModelWithEndpoints> {
  const model = await context.prisma.$transaction(async (transaction) => {
    await change(transaction);
    return transaction.model.findUniqueOrThrow({ where: { id }, include: modelInclude });
  });
  context.snapshotChanged({ models: [model.id] });
  return model;
}

/** An endpoint's price columns (nanodollars per token) for a flat price set; tiers are cleared. */
function priceColumns(prices: { prompt: number; completion: number; cacheRead: number | null; cacheWrite: number | null }) {
  return {
    promptPriceNanos: BigInt(prices.prompt),
    completionPriceNanos: BigInt(prices.completion),
    cacheReadPriceNanos: prices.cacheRead === null ? null : BigInt(prices.cacheRead),
    cacheWritePriceNanos: prices.cacheWrite === null ? null : BigInt(prices.cacheWrite),
    priceTiers: Prisma.DbNull,
  };
}

/**
 * Creates or updates a model and its endpoint on one provider (other endpoints are kept). The model
 * becomes the admin's (source 'admin'): catalog imports no longer change it.
 */
export async function upsertModel(context: ServiceContext, rawInput: UpsertModelInput): Promise<ModelWithEndpoints> {
  authorizePlatformAction(context, 'catalog.write');
  const input = parseInput(upsertModelInputSchema, rawInput, 'input');
  return changeModel(context, input.id, async (transaction) => {
    const provider = await transaction.provider.findUnique({ where: { slug: input.endpoint.providerSlug } });
    if (!provider) throw new GatewayError('not_found', `provider ${input.endpoint.providerSlug} not found`, { param: 'endpoint.providerSlug' });
    const aliases = input.aliases === undefined ? {} : { aliases: [...new Set(input.aliases)].filter((alias) => alias !== input.id) };
    if (aliases.aliases !== undefined && aliases.aliases.length > 0) {
      // One id, one model: an alias may not be another model's id or alias.
      const taken = await transaction.model.findFirst({
        where: { id: { not: input.id }, OR: [{ id: { in: aliases.aliases } }, { aliases: { hasSome: aliases.aliases } }] },
        select: { id: true },
      });
      if (taken) throw new GatewayError('invalid_request', `an alias of model ${input.id} already names model ${taken.id}`, { param: 'aliases' });
    }
    const modelFields = { name: input.name, contextLength: input.contextLength, enabled: input.enabled, source: 'admin', ...aliases };
    await transaction.model.upsert({ where: { id: input.id }, create: { id: input.id, ...modelFields }, update: modelFields });
    const { prices } = input.endpoint;
    const endpointFields = {
      upstreamModel: input.endpoint.upstreamModel,
      priority: input.endpoint.priority,
      weight: input.endpoint.weight,
      ...priceColumns(prices),
    };
    await transaction.modelEndpoint.upsert({
      where: { modelId_providerId: { modelId: input.id, providerId: provider.id } },
      create: { modelId: input.id, providerId: provider.id, ...endpointFields },
      update: endpointFields,
    });
    await recordAudit(transaction, context.actor, {
      action: 'model.upsert',
      target: `model:${input.id}`,
      details: { ...modelFields, endpoint: input.endpoint },
    });
  });
}

/** Takes a model off (or back onto) the snapshot; catalog imports never change `enabled`. */
export async function setModelEnabled(context: ServiceContext, rawInput: SetModelEnabledInput): Promise<ModelWithEndpoints> {
  authorizePlatformAction(context, 'catalog.write');
  const input = setModelEnabledInputSchema.parse(rawInput);
  return changeModel(context, input.id, async (transaction) => {
    const { count } = await transaction.model.updateMany({ where: { id: input.id }, data: { enabled: input.enabled } });
    if (count === 0) throw new GatewayError('not_found', `model ${input.id} not found`, { param: 'id' });
    await recordAudit(transaction, context.actor, { action: 'model.set-enabled', target: `model:${input.id}`, details: { enabled: input.enabled } });
  });
}

/** Sets a model's prices on one provider and marks them overridden, so catalog imports keep them. */
export async function overrideModelPrices(context: ServiceContext, rawInput: OverrideModelPricesInput): Promise<ModelWithEndpoints> {
  authorizePlatformAction(context, 'catalog.write');
  const input = overrideModelPricesInputSchema.parse(rawInput);
  return changeModel(context, input.id, async (transaction) => {
    const { prices } = input;
    const { count } = await transaction.modelEndpoint.updateMany({
      where: { modelId: input.id, provider: { slug: input.providerSlug } },
      data: { ...priceColumns(prices), priceOverridden: true },
    });
    if (count === 0) throw new GatewayError('not_found', `model ${input.id} has no endpoint on provider ${input.providerSlug}`, { param: 'id' });
    await recordAudit(transaction, context.actor, {
      action: 'model.override-prices',
      target: `model:${input.id}`,
      details: { providerSlug: input.providerSlug, prices },
    });
  });
}

/**
 * Points an existing provider at a new base URL, writing (and auditing) only when it differs, so the
 * start script can call it on every start with the simulator's actual port.
 */
export async function setProviderBaseUrl(context: ServiceContext, slug: string, baseUrl: string): Promise<void> {
  const provider = await context.prisma.provider.findUnique({ where: { slug } });
  if (!provider) throw new GatewayError('not_found', `provider ${slug} not found`);
  if (provider.baseUrl === baseUrl) return;
  await upsertProvider(context, {
    slug,
    kind: snapshotProviderSchema.shape.kind.parse(provider.kind),
    baseUrl,
    apiKeyEnv: provider.apiKeyEnv,
    enabled: provider.enabled,
  });
}
