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
  Scalars: {
    // GraphQL reads an ID argument as a string whether it came as a string or a number.
    ID: { Input: string; Output: string | number };
    DateTime: { Input: Date; Output: Date };
    Micros: { Input: number; Output: number };
    SignedMicros: { Input: number; Output: number };
    Count: { Input: number; Output: number };
    JSON: { Input: unknown; Output: unknown };
  };
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

// GraphQL's Int stops at 2^31: µ$ 2^31 is $2,147, too little for a spending limit, and token sums outgrow it
// too; JSON numbers carry 2^53 exactly. Balances and ledger amounts go below zero.
for (const [name, description, signed] of [
  ['Micros', 'Integer microdollars (1 USD = 1,000,000), up to 2^53 - 1.', false],
  ['SignedMicros', 'Signed integer microdollars (1 USD = 1,000,000), within ±(2^53 - 1).', true],
  ['Count', 'A non-negative integer count (requests, tokens), up to 2^53 - 1.', false],
] as const) {
  builder.scalarType(name, {
    description,
    serialize: (value) => value,
    parseValue: (value) => {
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || (!signed && value < 0)) {
        throw new TypeError(`${name} must be a ${signed ? '' : 'non-negative '}safe integer`);
      }
      return value;
    },
  });
}

builder.scalarType('JSON', {
  description: 'Any JSON value (audit details).',
  serialize: (value) => value,
  parseValue: (value) => value,
});

builder.queryType({});
builder.mutationType({});
