// How fast requests were answered, per requested model, over [from, to): the median and 95th percentile of
// the time to the first token (streamed answers; null when no request of the model had one) and of the
// whole latency, over the latest LATENCY_SAMPLE answered requests of the range (status below 400: a
// refusal's latency says nothing about the model). The latest rows come from the (org_id, started_at, id)
// index read backwards (or its user_id sibling), so the cost is bounded by the sample, not by the range:
// percentiles over every row of 30 days of a busy org (500,000 rows) took 3.8 s in a parallel sequential
// scan (bench:billing). The percentiles are computed by the database (percentile_cont, PostgreSQL and
// PGlite alike). Billing, owners and admins see the whole org (`usage.read`); any member their own requests.
import { z } from 'zod';
import { Prisma } from '../../generated/prisma/client.ts';
import { parseInput } from './input-schemas.ts';
import { authorizeOrgAction, mayDo } from './org-access.ts';
import type { ServiceContext } from './service-context.ts';

/** The most answered requests a summary reads: the latest of the range. */
export const LATENCY_SAMPLE = 20_000;

export const summarizeLatencyInputSchema = z
  .object({
    orgId: z.string(),
    from: z.coerce.date(),
    /** Exclusive. */
    to: z.coerce.date(),
  })
  .refine((input) => input.from.getTime() < input.to.getTime(), { path: ['to'], message: 'must be after from' });

export interface ModelLatency {
  model: string;
  /** Answered requests counted. */
  requests: number;
  /** Of those, the ones with a time to first token (streamed). */
  ttftRequests: number;
  ttftP50Ms: number | null;
  ttftP95Ms: number | null;
  latencyP50Ms: number;
  latencyP95Ms: number;
}

export interface LatencySummary {
  orgId: string;
  from: Date;
  to: Date;
  /** true: every member's requests; false: the caller's own. */
  wholeOrg: boolean;
  /** true when the range held more answered requests than LATENCY_SAMPLE: the figures are of the latest ones. */
  sampled: boolean;
  /** By model id. */
  models: ModelLatency[];
}

export async function summarizeLatency(context: ServiceContext, rawInput: z.input<typeof summarizeLatencyInputSchema>): Promise<LatencySummary> {
  const input = parseInput(summarizeLatencyInputSchema, rawInput, 'input');
  const membership = await authorizeOrgAction(context, input.orgId, 'usage.readOwn');
  const wholeOrg = mayDo(membership, 'usage.read');
  const rows = await context.prisma.$queryRaw<ModelLatency[]>(latencyQuery(input.orgId, input.from, input.to, wholeOrg ? null : (membership?.userId ?? null)));
  const counted = rows.reduce((sum, row) => sum + row.requests, 0);
  return { orgId: input.orgId, from: input.from, to: input.to, wholeOrg, sampled: counted >= LATENCY_SAMPLE, models: rows };
}

/** The one statement behind a summary; exported so the billing benchmark can EXPLAIN it. */
export function latencyQuery(orgId: string, from: Date, to: Date, userId: string | null, sample = LATENCY_SAMPLE): Prisma.Sql {
  const ofUser = userId === null ? Prisma.empty : Prisma.sql`AND "user_id" = ${userId}`;
  return Prisma.sql`
    SELECT "requested_model" AS "model", count(*)::int AS "requests", count("ttft_ms")::int AS "ttftRequests",
      percentile_cont(0.5) WITHIN GROUP (ORDER BY "ttft_ms") AS "ttftP50Ms",
      percentile_cont(0.95) WITHIN GROUP (ORDER BY "ttft_ms") AS "ttftP95Ms",
      percentile_cont(0.5) WITHIN GROUP (ORDER BY "total_latency_ms") AS "latencyP50Ms",
      percentile_cont(0.95) WITHIN GROUP (ORDER BY "total_latency_ms") AS "latencyP95Ms"
    FROM (
      SELECT "requested_model", "ttft_ms", "total_latency_ms" FROM "usage_records"
      WHERE "org_id" = ${orgId} AND "started_at" >= ${from.toISOString()}::timestamptz AND "started_at" < ${to.toISOString()}::timestamptz
        AND "status" < 400 ${ofUser}
      ORDER BY "started_at" DESC, "id" DESC
      LIMIT ${sample}
    ) AS "latest"
    GROUP BY "requested_model"
    ORDER BY "requested_model"`;
}
