import type { SnapshotPrices } from '../../../../shared/src/snapshot.ts';
import { listModels } from '../../services/catalog.ts';
import { builder } from '../builder.ts';
import { requireAdmin } from '../graphql-context.ts';

export const ProviderType = builder.prismaObject('Provider', {
  fields: (t) => ({
    id: t.exposeID('id'),
    slug: t.exposeString('slug'),
    kind: t.exposeString('kind'),
    baseUrl: t.exposeString('baseUrl'),
    apiKeyEnv: t.exposeString('apiKeyEnv', { nullable: true }),
    enabled: t.exposeBoolean('enabled'),
  }),
});

const PricesType = builder.objectRef<SnapshotPrices>('Prices').implement({
  description: 'Integer nanodollars per token (a GraphQL Int holds up to $2.14 per token).',
  fields: (t) => ({
    prompt: t.exposeInt('prompt'),
    completion: t.exposeInt('completion'),
    cacheRead: t.exposeInt('cacheRead', { nullable: true }),
    cacheWrite: t.exposeInt('cacheWrite', { nullable: true }),
  }),
});

export const ModelEndpointType = builder.prismaObject('ModelEndpoint', {
  fields: (t) => ({
    provider: t.relation('provider'),
    upstreamModel: t.exposeString('upstreamModel'),
    priority: t.exposeInt('priority'),
    prices: t.field({
      type: PricesType,
      resolve: (endpoint) => ({
        prompt: Number(endpoint.promptPriceNanos),
        completion: Number(endpoint.completionPriceNanos),
        cacheRead: endpoint.cacheReadPriceNanos === null ? null : Number(endpoint.cacheReadPriceNanos),
        cacheWrite: endpoint.cacheWritePriceNanos === null ? null : Number(endpoint.cacheWritePriceNanos),
      }),
    }),
  }),
});

export const ModelType = builder.prismaObject('Model', {
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    contextLength: t.exposeInt('contextLength', { nullable: true }),
    enabled: t.exposeBoolean('enabled'),
    endpoints: t.relation('endpoints', { query: { orderBy: [{ priority: 'asc' }, { id: 'asc' }] } }),
  }),
});

builder.queryField('models', (t) =>
  t.prismaField({
    type: ['Model'],
    resolve: (_query, _root, _args, context) => listModels(requireAdmin(context)),
  }),
);
