// The request log: one organization's usage records, newest first, filtered and paged. Pages are keyset
// pages on (started_at, id): the cursor is the last row's start time and id, and the next page reads only
// rows before it through the (org_id, started_at, id) index (or its user_id / api_key_id siblings when
// filtering by them), so page 10,000 of millions of rows costs what page 1 does, and rows ingested
// meanwhile neither shift nor repeat a page. Billing, owners and admins read the org's requests
// (`usage.read`); anyone else their own (`usage.readOwn`).
import { z } from 'zod';
import { GatewayError } from '../../../shared/src/errors.ts';
import type { Prisma, UsageRecord } from '../../generated/prisma/client.ts';
import { parseInput } from './input-schemas.ts';
import { authorizeOrgAction, mayDo } from './org-access.ts';
import type { ServiceContext } from './service-context.ts';

const CURSOR = /^(\d{1,15})\.(\d{1,19})$/;

export const listRequestsInputSchema = z.object({
  orgId: z.string(),
  userId: z.string().optional(),
  apiKeyId: z.string().optional(),
  /** The model id the client asked for. */
  model: z.string().max(300).optional(),
  providerId: z.string().optional(),
  /** ok: status below 400; error: 400 and above. */
  outcome: z.enum(['ok', 'error']).optional(),
  /** The `x-request-id` the gateway answered with. */
  requestId: z.string().max(200).optional(),
  from: z.coerce.date().optional(),
  /** Exclusive. */
  to: z.coerce.date().optional(),
  /** nextCursor of the previous page. */
  cursor: z.string().regex(CURSOR, 'not a cursor this call returned').optional(),
  limit: z.number().int().min(1).max(200).default(50),
});

export interface RequestLogRow {
  id: string;
  requestId: string;
  startedAt: Date;
  finishedAt: Date;
  userId: string;
  userEmail: string | null;
  apiKeyId: string;
  apiKeyName: string | null;
  requestedModel: string;
  servedModel: string;
  providerId: string;
  providerSlug: string | null;
  byok: boolean;
  status: number;
  finishReason: string | null;
  errorCode: string | null;
  streamed: boolean;
  promptTokens: number;
  completionTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  usageEstimated: boolean;
  costMicros: number;
  upstreamCostMicros: number | null;
  ttftMs: number | null;
  upstreamLatencyMs: number | null;
  totalLatencyMs: number;
}

export interface RequestLogPage {
  rows: RequestLogRow[];
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

export async function listRequests(context: ServiceContext, rawInput: z.input<typeof listRequestsInputSchema>): Promise<RequestLogPage> {
  const input = parseInput(listRequestsInputSchema, rawInput, 'input');
  const membership = await authorizeOrgAction(context, input.orgId, 'usage.readOwn');
  let userId = input.userId;
  if (!mayDo(membership, 'usage.read')) {
    if (userId !== undefined && userId !== membership?.userId) {
      throw new GatewayError('forbidden', `the ${membership?.role} role may read only its own requests`, { param: 'userId' });
    }
    userId = membership?.userId;
  }
  const where: Prisma.UsageRecordWhereInput = {
    orgId: input.orgId,
    userId,
    apiKeyId: input.apiKeyId,
    requestedModel: input.model,
    providerId: input.providerId,
    requestId: input.requestId,
    status: input.outcome === undefined ? undefined : input.outcome === 'ok' ? { lt: 400 } : { gte: 400 },
    startedAt: { gte: input.from, lt: input.to },
  };
  const cursor = input.cursor === undefined ? null : CURSOR.exec(input.cursor);
  if (cursor) {
    const startedAt = new Date(Number(cursor[1]));
    const id = BigInt(cursor[2]!);
    // started_at <= the cursor's bounds the index scan; the OR only settles rows that started in the same millisecond.
    where.AND = [{ startedAt: { lte: startedAt } }, { OR: [{ startedAt: { lt: startedAt } }, { startedAt, id: { lt: id } }] }];
  }
  const rows = await context.prisma.usageRecord.findMany({
    where,
    orderBy: [{ startedAt: 'desc' }, { id: 'desc' }],
    // One more than asked tells whether another page exists.
    take: input.limit + 1,
  });
  const page = rows.slice(0, input.limit);
  const last = page.at(-1);
  return {
    rows: await labelRows(context, input.orgId, page),
    nextCursor: rows.length > input.limit && last ? `${last.startedAt.getTime()}.${last.id}` : null,
  };
}

/** Adds the user's email, the key's name and the provider's slug (one lookup each for the page). */
async function labelRows(context: ServiceContext, orgId: string, rows: UsageRecord[]): Promise<RequestLogRow[]> {
  const ids = (pick: (row: UsageRecord) => string) => [...new Set(rows.map(pick))];
  const [users, keys, providers] = await Promise.all([
    context.prisma.user.findMany({ where: { id: { in: ids((row) => row.userId) } }, select: { id: true, email: true } }),
    context.prisma.apiKey.findMany({ where: { id: { in: ids((row) => row.apiKeyId) }, orgId }, select: { id: true, name: true } }),
    context.prisma.provider.findMany({ where: { id: { in: ids((row) => row.providerId) } }, select: { id: true, slug: true } }),
  ]);
  const emails = new Map(users.map((user) => [user.id, user.email]));
  const names = new Map(keys.map((key) => [key.id, key.name]));
  const slugs = new Map(providers.map((provider) => [provider.id, provider.slug]));
  return rows.map((row) => ({
    id: String(row.id),
    requestId: row.requestId,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
    userId: row.userId,
    userEmail: emails.get(row.userId) ?? null,
    apiKeyId: row.apiKeyId,
    apiKeyName: names.get(row.apiKeyId) ?? null,
    requestedModel: row.requestedModel,
    servedModel: row.servedModel,
    providerId: row.providerId,
    providerSlug: slugs.get(row.providerId) ?? null,
    byok: row.byok,
    status: row.status,
    finishReason: row.finishReason,
    errorCode: row.errorCode,
    streamed: row.streamed,
    promptTokens: row.promptTokens,
    completionTokens: row.completionTokens,
    cacheReadTokens: row.cacheReadTokens,
    cacheWriteTokens: row.cacheWriteTokens,
    reasoningTokens: row.reasoningTokens,
    usageEstimated: row.usageEstimated,
    costMicros: Number(row.costMicros),
    upstreamCostMicros: row.upstreamCostMicros === null ? null : Number(row.upstreamCostMicros),
    ttftMs: row.ttftMs,
    upstreamLatencyMs: row.upstreamLatencyMs,
    totalLatencyMs: row.totalLatencyMs,
  }));
}
