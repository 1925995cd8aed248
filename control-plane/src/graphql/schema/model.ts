import type { SnapshotPrices } from '../../../../shared/src/snapshot.ts';
import { importCatalog } from '../../services/catalog-import/import-catalog.ts';
import {
  endpointRowPrices,
  listModels,
  listProviders,
  overrideModelPrices,
  setModelEnabled,
  upsertModel,
  upsertProvider,
  type UpsertProviderInput,
} from '../../services/catalog.ts';
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
    weight: t.exposeInt('weight', { description: 'Share of the requests among the endpoints of equal priority; 0 = only after the others.' }),
    priceOverridden: t.exposeBoolean('priceOverridden', { description: 'Set by an admin; catalog imports leave these prices alone.' }),
    prices: t.field({
      type: PricesType,
      resolve: endpointRowPrices,
    }),
  }),
});

export const ModelType = builder.prismaObject('Model', {
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    aliases: t.exposeStringList('aliases', {
      description: 'Other ids requests may name the model by (OpenRouter’s, the provider’s -latest names, an admin’s).',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    contextLength: t.exposeInt('contextLength', { nullable: true }),
    enabled: t.exposeBoolean('enabled'),
    description: t.exposeString('description', { nullable: true }),
    maxOutputTokens: t.exposeInt('maxOutputTokens', { nullable: true }),
    inputModalities: t.exposeStringList('inputModalities'),
    outputModalities: t.exposeStringList('outputModalities'),
    supportsTools: t.exposeBoolean('supportsTools'),
    supportsReasoning: t.exposeBoolean('supportsReasoning'),
    source: t.exposeString('source', { description: "'import' (refreshed by catalog imports) or 'admin' (left alone by them)." }),
    endpoints: t.relation('endpoints', { query: { orderBy: [{ priority: 'asc' }, { id: 'asc' }] } }),
  }),
});

builder.queryField('models', (t) =>
  t.prismaField({
    type: ['Model'],
    resolve: (_query, _root, _args, context) => listModels(requireAdmin(context)),
  }),
);

const ImportCatalogResultType = builder.objectRef<Awaited<ReturnType<typeof importCatalog>>>('ImportCatalogResult').implement({
  fields: (t) => ({
    providersCreated: t.exposeInt('providersCreated'),
    modelsCreated: t.exposeInt('modelsCreated'),
    modelsUpdated: t.exposeInt('modelsUpdated'),
    modelsUnchanged: t.exposeInt('modelsUnchanged'),
    modelsKeptByAdmin: t.exposeInt('modelsKeptByAdmin'),
    modelsSkipped: t.exposeInt('modelsSkipped'),
  }),
});

const PricesInput = builder.inputType('PricesInput', {
  description: 'Integer nanodollars per token.',
  fields: (t) => ({
    prompt: t.int({ required: true }),
    completion: t.int({ required: true }),
    cacheRead: t.int({ required: false }),
    cacheWrite: t.int({ required: false }),
  }),
});

builder.queryField('providers', (t) =>
  t.prismaField({
    type: ['Provider'],
    resolve: (_query, _root, _args, context) => listProviders(requireAdmin(context)),
  }),
);

const UpsertProviderInput = builder.inputType('UpsertProviderInput', {
  fields: (t) => ({
    slug: t.string({ required: true }),
    kind: t.string({ required: false, description: "'openai-compatible' (default), 'anthropic', 'gemini' or 'mistral'." }),
    baseUrl: t.string({ required: true }),
    apiKeyEnv: t.string({ required: false, description: 'The data plane variable holding the platform key (ending in _API_KEY); none: no key needed.' }),
    enabled: t.boolean({ required: false }),
  }),
});

builder.mutationField('upsertProvider', (t) =>
  t.prismaField({
    type: 'Provider',
    description: 'Creates or changes a provider by slug (platform admins); enabled: false disables it.',
    args: { input: t.arg({ type: UpsertProviderInput, required: true }) },
    resolve: (_query, _root, { input }, context) =>
      upsertProvider(requireAdmin(context), {
        slug: input.slug,
        // Checked by the service (an unknown kind is a 400 naming it).
        kind: (input.kind ?? undefined) as UpsertProviderInput['kind'],
        baseUrl: input.baseUrl,
        apiKeyEnv: input.apiKeyEnv ?? null,
        enabled: input.enabled ?? undefined,
      }),
  }),
);

const EndpointInput = builder.inputType('EndpointInput', {
  fields: (t) => ({
    providerSlug: t.string({ required: true }),
    upstreamModel: t.string({ required: true }),
    priority: t.int({ required: false }),
    weight: t.int({ required: false }),
    prices: t.field({ type: PricesInput, required: true }),
  }),
});

const UpsertModelInput = builder.inputType('UpsertModelInput', {
  fields: (t) => ({
    id: t.string({ required: true }),
    name: t.string({ required: true }),
    aliases: t.stringList({ required: false, description: 'Replaces the aliases when given.' }),
    contextLength: t.int({ required: false }),
    enabled: t.boolean({ required: false }),
    endpoint: t.field({ type: EndpointInput, required: true }),
  }),
});

builder.mutationField('upsertModel', (t) =>
  t.prismaField({
    type: 'Model',
    description: 'Creates or changes a model and its endpoint on one provider (platform admins); the model is then kept by catalog imports.',
    args: { input: t.arg({ type: UpsertModelInput, required: true }) },
    resolve: (_query, _root, { input }, context) =>
      upsertModel(requireAdmin(context), {
        id: input.id,
        name: input.name,
        aliases: input.aliases ?? undefined,
        contextLength: input.contextLength ?? null,
        enabled: input.enabled ?? undefined,
        endpoint: {
          providerSlug: input.endpoint.providerSlug,
          upstreamModel: input.endpoint.upstreamModel,
          priority: input.endpoint.priority ?? undefined,
          weight: input.endpoint.weight ?? undefined,
          prices: {
            prompt: input.endpoint.prices.prompt,
            completion: input.endpoint.prices.completion,
            cacheRead: input.endpoint.prices.cacheRead ?? null,
            cacheWrite: input.endpoint.prices.cacheWrite ?? null,
          },
        },
      }),
  }),
);

builder.mutationField('importCatalog', (t) =>
  t.field({
    type: ImportCatalogResultType,
    description: 'Imports the bundled model catalog (platform admins only); admin changes survive.',
    resolve: (_root, _args, context) => importCatalog(requireAdmin(context)),
  }),
);

builder.mutationField('setModelEnabled', (t) =>
  t.prismaField({
    type: 'Model',
    args: { id: t.arg.id({ required: true }), enabled: t.arg.boolean({ required: true }) },
    resolve: (_query, _root, args, context) => setModelEnabled(requireAdmin(context), { id: String(args.id), enabled: args.enabled }),
  }),
);

builder.mutationField('overrideModelPrices', (t) =>
  t.prismaField({
    type: 'Model',
    args: { id: t.arg.id({ required: true }), providerSlug: t.arg.string({ required: true }), prices: t.arg({ type: PricesInput, required: true }) },
    resolve: (_query, _root, args, context) =>
      overrideModelPrices(requireAdmin(context), {
        id: String(args.id),
        providerSlug: args.providerSlug,
        prices: {
          prompt: args.prices.prompt,
          completion: args.prices.completion,
          cacheRead: args.prices.cacheRead ?? null,
          cacheWrite: args.prices.cacheWrite ?? null,
        },
      }),
  }),
);
