// Writes the bundled catalog into the database: missing providers and models are created, imported
// models get the current metadata and prices. An import never undoes an admin's decision: rows an
// admin wrote (source 'admin') are left alone, overridden prices stay, and `enabled` and existing
// providers (base URL, key, enabled) are never touched. Batched, so a fresh database takes one pass.
import { Prisma } from '../../../generated/prisma/client.ts';
import { canonicalJson } from '../../../../shared/src/canonical-json.ts';
import { recordAudit } from '../audit.ts';
import { authorizePlatformAction } from '../org-access.ts';
import type { ServiceContext } from '../service-context.ts';
import { buildCatalogEntries, type CatalogEntry } from './build-catalog-entries.ts';

export interface ImportCatalogResult {
  providersCreated: number;
  modelsCreated: number;
  modelsUpdated: number;
  modelsUnchanged: number;
  /** Models an admin owns, which the import left alone. */
  modelsKeptByAdmin: number;
  /** Source models left out (deprecated, no callable id, no exact per-token price). */
  modelsSkipped: number;
}

export async function importCatalog(context: ServiceContext, options: { at?: Date } = {}): Promise<ImportCatalogResult> {
  authorizePlatformAction(context, 'catalog.write');
  const built = buildCatalogEntries(options.at ?? new Date());
  const result = await context.prisma.$transaction(
    async (transaction) => {
      const providersCreated = await createMissingProviders(transaction, built.providers);
      const providerIds = new Map((await transaction.provider.findMany({ select: { id: true, slug: true } })).map((row) => [row.slug, row.id]));
      const existing = new Map(
        (await transaction.model.findMany({ where: { id: { in: built.entries.map((entry) => entry.id) } }, include: { endpoints: true } })).map((row) => [
          row.id,
          row,
        ]),
      );
      const counts = { modelsCreated: 0, modelsUpdated: 0, modelsUnchanged: 0, modelsKeptByAdmin: 0 };
      const newEntries: CatalogEntry[] = [];
      for (const entry of built.entries) {
        const current = existing.get(entry.id);
        const providerId = providerIds.get(entry.providerSlug);
        if (providerId === undefined) throw new Error(`provider ${entry.providerSlug} vanished during the import`);
        if (!current) newEntries.push(entry);
        else if (current.source !== 'import') counts.modelsKeptByAdmin++;
        else if (await updateImportedModel(transaction, current, entry, providerId)) counts.modelsUpdated++;
        else counts.modelsUnchanged++;
      }
      await transaction.model.createMany({
        data: newEntries.map((entry) => ({ id: entry.id, ...modelFields(entry), ...(entry.releasedAt ? { createdAt: entry.releasedAt } : {}) })),
      });
      await transaction.modelEndpoint.createMany({
        data: newEntries.map((entry) => ({
          modelId: entry.id,
          providerId: providerIds.get(entry.providerSlug) ?? '',
          upstreamModel: entry.upstreamModel,
          ...priceFields(entry),
        })),
      });
      counts.modelsCreated = newEntries.length;
      const summary: ImportCatalogResult = { providersCreated, ...counts, modelsSkipped: built.skipped.length };
      await recordAudit(transaction, context.actor, { action: 'catalog.import', target: 'catalog', details: { ...summary } });
      return summary;
    },
    // A first import writes a few hundred rows; PostgreSQL's default 5 s is generous, PGlite on a slow disk is not.
    { timeout: 60_000 },
  );
  if (result.providersCreated + result.modelsCreated + result.modelsUpdated > 0) context.snapshotChanged();
  return result;
}

async function createMissingProviders(transaction: Prisma.TransactionClient, providers: ReturnType<typeof buildCatalogEntries>['providers']): Promise<number> {
  const known = new Set(
    (await transaction.provider.findMany({ where: { slug: { in: providers.map((provider) => provider.slug) } }, select: { slug: true } })).map(
      (row) => row.slug,
    ),
  );
  const missing = providers.filter((provider) => !known.has(provider.slug));
  await transaction.provider.createMany({
    data: missing.map((provider) => ({ slug: provider.slug, kind: provider.kind, baseUrl: provider.baseUrl, apiKeyEnv: provider.apiKeyEnv })),
  });
  return missing.length;
}

type ExistingModel = Prisma.ModelGetPayload<{ include: { endpoints: true } }>;

/** Writes only what differs, so re-importing unchanged data is reads only. True when something changed. */
async function updateImportedModel(transaction: Prisma.TransactionClient, current: ExistingModel, entry: CatalogEntry, providerId: string): Promise<boolean> {
  let changed = false;
  const fields = modelFields(entry);
  const before = {
    name: current.name,
    aliases: current.aliases,
    description: current.description,
    contextLength: current.contextLength,
    maxOutputTokens: current.maxOutputTokens,
    inputModalities: current.inputModalities,
    outputModalities: current.outputModalities,
    supportsTools: current.supportsTools,
    supportsReasoning: current.supportsReasoning,
    source: current.source,
  };
  if (canonicalJson(before) !== canonicalJson(fields)) {
    await transaction.model.update({ where: { id: current.id }, data: fields });
    changed = true;
  }
  const endpoint = current.endpoints.find((row) => row.providerId === providerId);
  const prices = priceFields(entry);
  if (!endpoint) {
    await transaction.modelEndpoint.create({ data: { modelId: current.id, providerId, upstreamModel: entry.upstreamModel, ...prices } });
    return true;
  }
  if (endpoint.priceOverridden) return changed;
  const currentPrices = [
    endpoint.promptPriceNanos,
    endpoint.completionPriceNanos,
    endpoint.cacheReadPriceNanos,
    endpoint.cacheWritePriceNanos,
    endpoint.priceTiers,
  ];
  const importedPrices = [prices.promptPriceNanos, prices.completionPriceNanos, prices.cacheReadPriceNanos, prices.cacheWritePriceNanos, entry.prices.tiers];
  if (comparable(currentPrices) !== comparable(importedPrices)) {
    await transaction.modelEndpoint.update({ where: { id: endpoint.id }, data: prices });
    changed = true;
  }
  return changed;
}

/** Canonical JSON with bigints as strings (JSON has none). */
function comparable(value: unknown): string {
  return canonicalJson(JSON.parse(JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? item.toString() : item))));
}

function modelFields(entry: CatalogEntry) {
  return {
    name: entry.name,
    aliases: entry.aliases,
    description: entry.description,
    contextLength: entry.contextLength,
    maxOutputTokens: entry.maxOutputTokens,
    inputModalities: entry.inputModalities,
    outputModalities: entry.outputModalities,
    supportsTools: entry.supportsTools,
    supportsReasoning: entry.supportsReasoning,
    source: 'import',
  };
}

function priceFields(entry: CatalogEntry) {
  const { prices } = entry;
  return {
    promptPriceNanos: BigInt(prices.prompt),
    completionPriceNanos: BigInt(prices.completion),
    cacheReadPriceNanos: prices.cacheRead === null ? null : BigInt(prices.cacheRead),
    cacheWritePriceNanos: prices.cacheWrite === null ? null : BigInt(prices.cacheWrite),
    priceTiers: prices.tiers === null ? Prisma.DbNull : (prices.tiers as Prisma.InputJsonObject),
  };
}
