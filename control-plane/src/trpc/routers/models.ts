import { endpointRowPrices, listModels, type ModelWithEndpoints } from '../../services/catalog.ts';
import { adminProcedure, router } from '../init.ts';

/** Prices leave as numbers of nanodollars per token: JSON has no bigint, and they are far below 2^53. */
export function toModelView(model: ModelWithEndpoints) {
  return {
    id: model.id,
    name: model.name,
    aliases: model.aliases,
    createdAt: model.createdAt,
    contextLength: model.contextLength,
    enabled: model.enabled,
    description: model.description,
    maxOutputTokens: model.maxOutputTokens,
    inputModalities: model.inputModalities,
    outputModalities: model.outputModalities,
    supportsTools: model.supportsTools,
    supportsReasoning: model.supportsReasoning,
    source: model.source,
    endpoints: model.endpoints.map((endpoint) => ({
      providerId: endpoint.providerId,
      providerSlug: endpoint.provider.slug,
      upstreamModel: endpoint.upstreamModel,
      priority: endpoint.priority,
      weight: endpoint.weight,
      priceOverridden: endpoint.priceOverridden,
      prices: endpointRowPrices(endpoint),
    })),
  };
}

export const modelsRouter = router({
  list: adminProcedure.query(async ({ ctx }) => (await listModels(ctx.service)).map(toModelView)),
});
