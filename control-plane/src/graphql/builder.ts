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

// GraphQL's Int stops at 2^31 µ$ ($2,147), too little for a spending limit; JSON numbers carry 2^53 exactly.
builder.scalarType('Micros', {
  description: 'Integer microdollars (1 USD = 1,000,000), up to 2^53 - 1.',
  serialize: (value) => value,
  parseValue: (value) => {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new TypeError('Micros must be a non-negative safe integer');
    return value;
  },
});

// Balances and ledger amounts go below zero; token sums outgrow GraphQL's 32-bit Int.
builder.scalarType('SignedMicros', {
  description: 'Signed integer microdollars (1 USD = 1,000,000), within ±(2^53 - 1).',
  serialize: (value) => value,
  parseValue: (value) => {
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new TypeError('SignedMicros must be a safe integer');
    return value;
  },
});

builder.scalarType('Count', {
  description: 'A non-negative integer count (requests, tokens), up to 2^53 - 1.',
  serialize: (value) => value,
  parseValue: (value) => {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new TypeError('Count must be a non-negative safe integer');
    return value;
  },
});

builder.scalarType('JSON', {
  description: 'Any JSON value (audit details).',
  serialize: (value) => value,
  parseValue: (value) => value,
});

builder.queryType({});
builder.mutationType({});
