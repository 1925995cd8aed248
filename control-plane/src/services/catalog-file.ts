// The catalog as a file operators keep in git (`npm run admin -- catalog export / apply gateway.yaml`):
// providers and models with their aliases and endpoints (prices in nanodollars per token). Applying a
// file changes only what differs from the database, through the same services as every face
// (upsertProvider, upsertModel: audited, one snapshot change each), and says what it changed; applying
// it again changes nothing. What the file leaves out is left alone: to take a model or provider off,
// set `enabled: false`. Price tiers from an import are not in the file; a model the file changes
// becomes the admin's (catalog.ts upsertModel) with flat prices.
import { z } from 'zod';
import { listModels, listProviders, upsertModel, upsertModelInputSchema, upsertProvider, upsertProviderInputSchema, endpointRowPrices } from './catalog.ts';
import { parseInput } from './input-schemas.ts';
import type { ServiceContext } from './service-context.ts';

const pricesSchema = upsertModelInputSchema.shape.endpoint.shape.prices;

export const catalogFileSchema = z.object({
  providers: z.array(upsertProviderInputSchema).default([]),
  models: z
    .array(
      z.object({
        id: upsertModelInputSchema.shape.id,
        name: upsertModelInputSchema.shape.name,
        aliases: z.array(z.string()).default([]),
        contextLength: upsertModelInputSchema.shape.contextLength,
        enabled: z.boolean().default(true),
        endpoints: z
          .array(
            z.object({
              provider: z.string(),
              upstreamModel: z.string().min(1),
              priority: z.number().int().default(0),
              weight: upsertModelInputSchema.shape.endpoint.shape.weight,
              prices: pricesSchema,
            }),
          )
          .min(1),
      }),
    )
    .default([]),
});

export type CatalogFile = z.output<typeof catalogFileSchema>;

export async function exportCatalogFile(context: ServiceContext): Promise<CatalogFile> {
  const providers = await listProviders(context);
  const models = await listModels(context);
  return {
    providers: providers.map(({ slug, kind, baseUrl, apiKeyEnv, enabled }) => ({
      slug,
      kind: kind as CatalogFile['providers'][number]['kind'],
      baseUrl,
      apiKeyEnv,
      enabled,
    })),
    models: models.map((model) => ({
      id: model.id,
      name: model.name,
      aliases: model.aliases,
      contextLength: model.contextLength,
      enabled: model.enabled,
      endpoints: model.endpoints.map((endpoint) => ({
        provider: endpoint.provider.slug,
        upstreamModel: endpoint.upstreamModel,
        priority: endpoint.priority,
        weight: endpoint.weight,
        prices: endpointRowPrices(endpoint),
      })),
    })),
  };
}

/** Applies `rawFile`; the changes, one line each (`+` created, `~` changed with the fields), empty when the database already matched. */
export async function applyCatalogFile(context: ServiceContext, rawFile: unknown): Promise<{ changes: string[] }> {
  const file = parseInput(catalogFileSchema, rawFile, 'catalog');
  const current = await exportCatalogFile(context);
  const changes: string[] = [];
  const providers = new Map(current.providers.map((provider) => [provider.slug, provider]));
  for (const provider of file.providers) {
    const differs = changedFields(providers.get(provider.slug), provider);
    if (differs.length === 0) continue;
    await upsertProvider(context, provider);
    changes.push(providers.has(provider.slug) ? `~ provider ${provider.slug}: ${differs.join(', ')}` : `+ provider ${provider.slug}`);
  }
  const models = new Map(current.models.map((model) => [model.id, model]));
  for (const model of file.models) {
    const existing = models.get(model.id);
    const { endpoints, ...fields } = model;
    const modelDiffers = existing === undefined ? [] : changedFields(withoutEndpoints(existing), fields);
    for (const [index, endpoint] of endpoints.entries()) {
      const before = existing?.endpoints.find((candidate) => candidate.provider === endpoint.provider);
      const endpointDiffers = changedFields(before, endpoint);
      // The model's own fields go with its first endpoint's upsert when no endpoint changed.
      if (endpointDiffers.length === 0 && !(index === 0 && modelDiffers.length > 0)) continue;
      await upsertModel(context, {
        ...fields,
        endpoint: {
          providerSlug: endpoint.provider,
          upstreamModel: endpoint.upstreamModel,
          priority: endpoint.priority,
          weight: endpoint.weight,
          prices: endpoint.prices,
        },
      });
      if (existing === undefined && index === 0) changes.push(`+ model ${model.id}`);
      else if (before === undefined) changes.push(`+ model ${model.id} endpoint ${endpoint.provider}`);
      else
        changes.push(
          `~ model ${model.id}${index === 0 && modelDiffers.length > 0 ? `: ${modelDiffers.join(', ')}` : ''}${endpointDiffers.length > 0 ? ` endpoint ${endpoint.provider}: ${endpointDiffers.join(', ')}` : ''}`,
        );
    }
  }
  return { changes };
}

function withoutEndpoints(model: CatalogFile['models'][number]): Omit<CatalogFile['models'][number], 'endpoints'> {
  const { endpoints: _endpoints, ...fields } = model;
  return fields;
}

/** The top-level fields of `wanted` whose value differs from `current` (every field when there is none). */
function changedFields(current: object | undefined, wanted: object): string[] {
  if (current === undefined) return Object.keys(wanted);
  const before = current as Record<string, unknown>;
  return Object.entries(wanted)
    .filter(([field, value]) => JSON.stringify(value) !== JSON.stringify(before[field]))
    .map(([field]) => field);
}
