// Usage of one organization over [from, to), grouped by any of day, model, provider, user and key, with
// totals. Whole UTC days are summed from usage_daily and the partial days at the edges from usage_records
// (split-usage-range.ts), so the answer is exact for any timestamp range and reads at most two days of raw
// rows. "model" is the model id the client asked for; "day" is the UTC day the request started. BYOK
// requests cost the org nothing on our ledger, so their upstream cost is reported apart from the billed cost.
// Billing, owners and admins see the whole org (`usage.read`); any member sees their own requests
// (`usage.readOwn`, summarizeOwnUsage).
import { z } from 'zod';
import { GatewayError } from '../../../../shared/src/errors.ts';
import { Prisma } from '../../../generated/prisma/client.ts';
import { parseInput } from '../input-schemas.ts';
import { authorizeOrgAction } from '../org-access.ts';
import type { ServiceContext } from '../service-context.ts';
import { usageDimensions, type UsageDimension } from './billing-vocabulary.ts';
import { splitUsageRange } from './split-usage-range.ts';

export const summarizeUsageInputSchema = z
  .object({
    orgId: z.string(),
    from: z.coerce.date(),
    /** Exclusive. */
    to: z.coerce.date(),
    groupBy: z.array(z.enum(usageDimensions)).max(usageDimensions.length).default([]),
  })
  .refine((input) => input.from.getTime() < input.to.getTime(), { path: ['to'], message: 'must be after from' });

export interface UsageTotals {
  requests: number;
  promptTokens: number;
  completionTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  /** Requests on the platform's provider keys, in µ$: what the ledger debited. */
  billedCostMicros: number;
  /** Upstream cost of BYOK requests, in µ$: recorded, never debited. */
  byokCostMicros: number;
}

/** One group; the dimensions not grouped by are null. */
export interface UsageGroup extends UsageTotals {
  /** `YYYY-MM-DD`, UTC. */
  day: string | null;
  model: string | null;
  providerId: string | null;
  providerSlug: string | null;
  userId: string | null;
  userEmail: string | null;
  apiKeyId: string | null;
  apiKeyName: string | null;
}

export interface UsageSummary {
  orgId: string;
  from: Date;
  to: Date;
  groupBy: UsageDimension[];
  totals: UsageTotals;
  /** Ordered by the grouped dimensions; empty when groupBy is. */
  groups: UsageGroup[];
}

/** The column behind each dimension, in both usage_daily and usage_records (day is derived for raw rows). */
const dimensionColumns: Record<UsageDimension, string> = {
  // Spelled out so the server's DateStyle cannot change it.
  day: `to_char("day", 'YYYY-MM-DD')`,
  model: '"requested_model"',
  provider: '"provider_id"',
  user: '"user_id"',
  key: '"api_key_id"',
};

const totalKeys = [
  'requests',
  'promptTokens',
  'completionTokens',
  'cacheReadTokens',
  'cacheWriteTokens',
  'reasoningTokens',
  'billedCostMicros',
  'byokCostMicros',
] as const;

type SummaryRow = Partial<Record<UsageDimension, string>> & Record<(typeof totalKeys)[number], string>;

export async function summarizeUsage(context: ServiceContext, rawInput: z.input<typeof summarizeUsageInputSchema>): Promise<UsageSummary> {
  const input = parseInput(summarizeUsageInputSchema, rawInput, 'input');
  await authorizeOrgAction(context, input.orgId, 'usage.read');
  return summarize(context, input, null);
}

/** The caller's own requests in the org, whatever their role. */
export async function summarizeOwnUsage(context: ServiceContext, rawInput: z.input<typeof summarizeUsageInputSchema>): Promise<UsageSummary> {
  const input = parseInput(summarizeUsageInputSchema, rawInput, 'input');
  await authorizeOrgAction(context, input.orgId, 'usage.readOwn');
  if (context.actor.kind !== 'user') throw new GatewayError('invalid_request', 'only a user has usage of their own');
  return summarize(context, input, context.actor.userId);
}

async function summarize(context: ServiceContext, input: z.output<typeof summarizeUsageInputSchema>, userId: string | null): Promise<UsageSummary> {
  const groupBy = [...new Set(input.groupBy)];
  const rows = await context.prisma.$queryRaw<SummaryRow[]>(usageSummaryQuery(input.orgId, input.from, input.to, groupBy, userId));
  const totals = sumTotals(rows);
  const groups = groupBy.length === 0 ? [] : await labelGroups(context, input.orgId, rows);
  return { orgId: input.orgId, from: input.from, to: input.to, groupBy, totals, groups };
}

/** The one statement behind a summary, for the whole org or one user; exported so the billing benchmark can EXPLAIN it. */
export function usageSummaryQuery(orgId: string, from: Date, to: Date, groupBy: UsageDimension[], userId: string | null = null): Prisma.Sql {
  const parts = splitUsageRange(from, to);
  const ofUser = userId === null ? Prisma.empty : Prisma.sql`AND "user_id" = ${userId}`;
  const sources: Prisma.Sql[] = [];
  if (parts.wholeDays) {
    sources.push(Prisma.sql`
      SELECT "day", "user_id", "api_key_id", "requested_model", "provider_id", "byok", "requests", "prompt_tokens", "completion_tokens",
        "cache_read_tokens", "cache_write_tokens", "reasoning_tokens", "cost_micros"
      FROM "usage_daily"
      WHERE "org_id" = ${orgId} AND "day" >= ${parts.wholeDays.fromDay}::date AND "day" < ${parts.wholeDays.toDay}::date ${ofUser}`);
  }
  for (const range of parts.rawRanges) {
    sources.push(Prisma.sql`
      SELECT ("started_at" AT TIME ZONE 'UTC')::date, "user_id", "api_key_id", "requested_model", "provider_id", "byok", 1::bigint,
        "prompt_tokens"::bigint, "completion_tokens"::bigint, "cache_read_tokens"::bigint, "cache_write_tokens"::bigint,
        "reasoning_tokens"::bigint, "cost_micros"
      FROM "usage_records"
      WHERE "org_id" = ${orgId} AND "started_at" >= ${range.from.toISOString()}::timestamptz AND "started_at" < ${range.to.toISOString()}::timestamptz ${ofUser}`);
  }
  const dimensions = groupBy.map((dimension) => Prisma.raw(`${dimensionColumns[dimension]} AS "${dimension}"`));
  const positions = Prisma.raw(groupBy.map((_, index) => index + 1).join(', '));
  return Prisma.sql`
    SELECT ${Prisma.join([
      ...dimensions,
      Prisma.sql`coalesce(sum("requests"), 0)::text AS "requests"`,
      Prisma.sql`coalesce(sum("prompt_tokens"), 0)::text AS "promptTokens"`,
      Prisma.sql`coalesce(sum("completion_tokens"), 0)::text AS "completionTokens"`,
      Prisma.sql`coalesce(sum("cache_read_tokens"), 0)::text AS "cacheReadTokens"`,
      Prisma.sql`coalesce(sum("cache_write_tokens"), 0)::text AS "cacheWriteTokens"`,
      Prisma.sql`coalesce(sum("reasoning_tokens"), 0)::text AS "reasoningTokens"`,
      Prisma.sql`coalesce(sum("cost_micros") FILTER (WHERE NOT "byok"), 0)::text AS "billedCostMicros"`,
      Prisma.sql`coalesce(sum("cost_micros") FILTER (WHERE "byok"), 0)::text AS "byokCostMicros"`,
    ])}
    FROM (${Prisma.join(sources, ' UNION ALL ')}) AS "usage" ("day", "user_id", "api_key_id", "requested_model", "provider_id", "byok", "requests",
      "prompt_tokens", "completion_tokens", "cache_read_tokens", "cache_write_tokens", "reasoning_tokens", "cost_micros")
    ${groupBy.length === 0 ? Prisma.empty : Prisma.sql`GROUP BY ${positions} ORDER BY ${positions}`}`;
}

function sumTotals(rows: SummaryRow[]): UsageTotals {
  const sums = Object.fromEntries(totalKeys.map((key) => [key, rows.reduce((sum, row) => sum + BigInt(row[key]), 0n)]));
  return Object.fromEntries(totalKeys.map((key) => [key, Number(sums[key])])) as unknown as UsageTotals;
}

/** Adds the provider slug, user email and key name beside their ids (one lookup per dimension grouped by). */
async function labelGroups(context: ServiceContext, orgId: string, rows: SummaryRow[]): Promise<UsageGroup[]> {
  const ids = (dimension: 'provider' | 'user' | 'key') => [...new Set(rows.flatMap((row) => (row[dimension] === undefined ? [] : [row[dimension]])))];
  const [providers, users, keys] = await Promise.all([
    context.prisma.provider.findMany({ where: { id: { in: ids('provider') } }, select: { id: true, slug: true } }),
    context.prisma.user.findMany({ where: { id: { in: ids('user') } }, select: { id: true, email: true } }),
    context.prisma.apiKey.findMany({ where: { id: { in: ids('key') }, orgId }, select: { id: true, name: true } }),
  ]);
  const slugs = new Map(providers.map((provider) => [provider.id, provider.slug]));
  const emails = new Map(users.map((user) => [user.id, user.email]));
  const names = new Map(keys.map((key) => [key.id, key.name]));
  return rows.map((row) => ({
    day: row.day ?? null,
    model: row.model ?? null,
    providerId: row.provider ?? null,
    providerSlug: row.provider === undefined ? null : (slugs.get(row.provider) ?? null),
    userId: row.user ?? null,
    userEmail: row.user === undefined ? null : (emails.get(row.user) ?? null),
    apiKeyId: row.key ?? null,
    apiKeyName: row.key === undefined ? null : (names.get(row.key) ?? null),
    ...sumTotals([row]),
  }));
}
