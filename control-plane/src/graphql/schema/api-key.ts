import { createApiKey, listApiKeys, revokeApiKey, type CreatedApiKey } from '../../services/api-keys.ts';
import { displayNameSchema, parseInput } from '../../services/input-schemas.ts';
import { builder } from '../builder.ts';
import { requireAdmin } from '../graphql-context.ts';

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
    args: { orgId: t.arg.id({ required: true }) },
    resolve: (_query, _root, args, context) => listApiKeys(requireAdmin(context), { orgId: String(args.orgId) }),
  }),
);

builder.mutationField('createApiKey', (t) =>
  t.field({
    type: CreatedApiKeyType,
    args: {
      orgId: t.arg.id({ required: true }),
      name: t.arg.string({ required: true }),
      expiresAt: t.arg({ type: 'DateTime', required: false }),
    },
    resolve: (_root, args, context) =>
      createApiKey(requireAdmin(context), {
        orgId: String(args.orgId),
        name: parseInput(displayNameSchema, args.name, 'name'),
        expiresAt: args.expiresAt ?? null,
      }),
  }),
);

builder.mutationField('revokeApiKey', (t) =>
  t.prismaField({
    type: 'ApiKey',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_query, _root, args, context) => revokeApiKey(requireAdmin(context), { id: String(args.id) }),
  }),
);
