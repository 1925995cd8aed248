// The catalog as the two bundled data sources describe it: genai-prices decides which models exist and
// what they cost; models.dev fills in limits, capabilities and modalities where it knows the model.
// A model genai-prices prices on input tokens alone is an embeddings model (OpenAI's text-embedding-*,
// Gemini's and Cohere's embed models): it produces no tokens, so its completion price is 0 and its
// output modality `embeddings`.
import { findProvider, type ModelInfo, type ModelPrice } from '@pydantic/genai-prices';
import { catalogProviders, type CatalogProvider } from './catalog-providers.ts';
import { convertGenaiPrices, type ConvertedPrices } from './convert-genai-prices.ts';
import { currentGenaiPrices } from './current-genai-prices.ts';
import { modelAliases } from './model-aliases.ts';
import { modelsDevMetadata, type ModelsDevModel } from './models-dev-metadata.ts';

export interface CatalogEntry {
  /** `provider/model`. */
  id: string;
  providerSlug: string;
  upstreamModel: string;
  /** Other ids that name the model (model-aliases.ts). */
  aliases: string[];
  name: string;
  description: string | null;
  contextLength: number | null;
  maxOutputTokens: number | null;
  inputModalities: string[];
  outputModalities: string[];
  supportsTools: boolean;
  supportsReasoning: boolean;
  /** From models.dev's release date; null when unknown. */
  releasedAt: Date | null;
  prices: ConvertedPrices;
}

export interface BuiltCatalog {
  providers: readonly CatalogProvider[];
  entries: CatalogEntry[];
  /** genai-prices models left out, with why (deprecated, not a callable id, not priced per token exactly). */
  skipped: { id: string; reason: string }[];
}

/**
 * genai-prices also lists match patterns rather than callable ids (`ft:gpt-4o`, `gpt-4o-mini-2024-07-18.ft-`,
 * `gpt-4o:extended`); a model id we publish must be something the provider accepts.
 */
const CALLABLE_MODEL_ID = /^[A-Za-z0-9][A-Za-z0-9._/-]*[A-Za-z0-9]$/;

export function buildCatalogEntries(at: Date): BuiltCatalog {
  const entries: CatalogEntry[] = [];
  const skipped: BuiltCatalog['skipped'] = [];
  const genaiModels = new Map<string, ModelInfo>();
  for (const provider of catalogProviders) {
    const genaiProvider = findProvider({ providerId: provider.genaiPricesId });
    if (!genaiProvider) throw new Error(`genai-prices has no provider ${provider.genaiPricesId}`);
    const metadata = modelsDevMetadata(provider, genaiProvider);
    for (const model of genaiProvider.models) {
      const id = `${provider.slug}/${model.id}`;
      const reason = skipReason(provider, model);
      if (reason) {
        skipped.push({ id, reason });
        continue;
      }
      const genaiPrices = currentGenaiPrices(model, at);
      const embeddings = genaiPrices !== null && isEmbeddingsPricing(genaiPrices);
      const prices = genaiPrices && convertGenaiPrices(embeddings ? { ...genaiPrices, output_mtok: 0 } : genaiPrices);
      if (!prices) {
        skipped.push({ id, reason: 'not priced per prompt and completion token in whole nanodollars' });
        continue;
      }
      const entry = toEntry(provider, model, metadata.get(model.id), prices, id);
      if (embeddings) entry.outputModalities = ['embeddings'];
      entries.push(entry);
      genaiModels.set(id, model);
    }
  }
  const aliases = modelAliases(entries, genaiModels);
  for (const entry of entries) entry.aliases = aliases.get(entry.id) ?? [];
  return { providers: catalogProviders, entries, skipped };
}

/** Priced per input token and nothing else (no output, audio, image or request price). */
function isEmbeddingsPricing(prices: ModelPrice): boolean {
  return Object.keys(prices).length === 1 && prices.input_mtok !== undefined;
}

function skipReason(provider: CatalogProvider, model: ModelInfo): string | null {
  if (model.deprecated) return 'deprecated';
  if (provider.servesModel && !provider.servesModel.test(model.id)) return `not served by the ${provider.slug} API`;
  if (!CALLABLE_MODEL_ID.test(model.id)) return 'not a callable model id';
  return null;
}

function toEntry(provider: CatalogProvider, model: ModelInfo, modelsDev: ModelsDevModel | undefined, prices: ConvertedPrices, id: string): CatalogEntry {
  const releasedAt = modelsDev?.release_date ? new Date(`${modelsDev.release_date}T00:00:00Z`) : null;
  return {
    id,
    providerSlug: provider.slug,
    upstreamModel: model.id,
    aliases: [],
    name: model.name ?? modelsDev?.name ?? model.id,
    description: model.description?.trim() || null,
    contextLength: model.context_window ?? modelsDev?.limit?.context ?? null,
    maxOutputTokens: modelsDev?.limit?.output || null,
    inputModalities: nonEmpty(modelsDev?.modalities?.input) ?? ['text'],
    outputModalities: nonEmpty(modelsDev?.modalities?.output) ?? ['text'],
    supportsTools: modelsDev?.tool_call ?? false,
    supportsReasoning: modelsDev?.reasoning ?? false,
    releasedAt: releasedAt && !Number.isNaN(releasedAt.getTime()) ? releasedAt : null,
    prices,
  };
}

function nonEmpty(values: string[] | undefined): string[] | null {
  return values && values.length > 0 ? [...values] : null;
}
