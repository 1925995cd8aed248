// The Pothos builder, configured once: Prisma types and datamodel from the generated client, the
// per-request context, and the scalars. The Prisma client comes from the context, because each
// running control plane (and each test) has its own database.
import SchemaBuilder from '@pothos/core';
import PrismaPlugin from '@pothos/plugin-prisma';
import type PrismaTypes from '../../generated/pothos-prisma-types.ts';
import { getDatamodel } from '../../generated/pothos-prisma-types.ts';
import type { GraphQLContext } from './graphql-context.ts';

export const builder = new SchemaBuilder<{
  PrismaTypes: PrismaTypes;
  Context: GraphQLContext;
  Scalars: { DateTime: { Input: Date; Output: Date } };
  DefaultFieldNullability: false;
}>({
  plugins: [PrismaPlugin],
  defaultFieldNullability: false,
  prisma: {
    client: (context) => context.prisma,
    dmmf: getDatamodel(),
    exposeDescriptions: false,
  },
});

builder.scalarType('DateTime', {
  description: 'An ISO 8601 date-time string.',
  serialize: (value) => value.toISOString(),
  parseValue: (value) => {
    const date = typeof value === 'string' ? new Date(value) : null;
    if (!date || Number.isNaN(date.getTime())) throw new TypeError('DateTime must be an ISO 8601 string');
    return date;
  },
});

builder.queryType({});
builder.mutationType({});
