// Idempotent usage ingest. One transaction per batch writes the usage rows, their ledger debits and the
// daily aggregate (usage_daily); a request id already stored (a retried batch) is counted as a duplicate
// and adds nothing anywhere, so a crash or retry on either side never double-counts. The unique index on
// request_id decides, not a prior read, so two concurrent deliveries of the same batch cannot both insert,
// and the aggregate sums only the rows this statement inserted. The data plane never writes the database,
// so the same transaction also moves each key's last_used_at to the newest finishedAt it sees.
//
// A batch is never refused for naming an organization that no longer exists: that would stall the data
// plane's spool behind it forever. Such rows are stored and aggregated like any other, but there is no
// balance to debit, so they get no ledger entry; the result counts them as `unbilled` and a
// `usage.unbilled` audit row per org records their number and cost.
//
// Nor does one bad event hold the others back (issue 13, defect 2): each is bounded again here
// (boundUsageEvent, as the data plane does), one that is not a usage event at all is dead-lettered, and
// when the database still refuses the batch it is stored row by row and the rows it refuses are
// dead-lettered: a `usage.dead-letter` audit row keeps each one, with the reason and the event as sent.
import { boundUsageEvent, unboundedUsageEventSchema, type UsageEvent, type UsageIngestInput, type UsageIngestResult } from '../../../shared/src/usage-event.ts';
import { recordAudit } from './audit.ts';
import { moveOrgTotals } from './ledger.ts';
import type { Prisma } from '../../generated/prisma/client.ts';
import type { ServiceContext } from './service-context.ts';

/** What one batch stored for one organization (the batch's rows summed in the database, not sent back). */
interface InsertedForOrg {
  org_id: string;
  inserted: number;
  /** Rows stored without a ledger debit because the organization does not exist. */
  unbilled: number;
  /** The sum of the ledger debits written (billed, not BYOK), as a positive amount. */
  debited_micros: bigint;
  /** The cost of the unbilled rows that are not BYOK, for their audit row. */
  unbilled_micros: bigint;
}

interface DeadLetter {
  event: unknown;
  reason: string;
}

/** The most characters of a dead-lettered event kept in its audit row. */
const DEAD_LETTER_EVENT_CHARS = 16_384;

export async function ingestUsage(context: ServiceContext, input: UsageIngestInput): Promise<UsageIngestResult> {
  const events: UsageEvent[] = [];
  const deadLetters: DeadLetter[] = [];
  for (const raw of input.events) {
    const parsed = unboundedUsageEventSchema.safeParse(raw);
    if (parsed.success) events.push(boundUsageEvent(parsed.data));
    else
      deadLetters.push({
        event: raw,
        reason: `not a usage event: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`,
      });
  }
  let counts: UsageIngestResult = { inserted: 0, duplicates: 0 };
  if (events.length > 0) {
    try {
      counts = await storeEvents(context, events);
    } catch (batchError) {
      counts = await storeOneByOne(context, events, deadLetters, batchError);
    }
  }
  if (deadLetters.length > 0) {
    await recordDeadLetters(context, deadLetters);
    counts.deadLettered = deadLetters.length;
  }
  // Ledger totals moved: data planes get them as the floors of their spend counters (spend floors, never a
  // snapshot version). The batch's orgs are re-read; one whose floor did not move sends nothing.
  if (counts.inserted > 0) context.snapshotChanged({ spendOf: [...new Set(events.map((event) => event.orgId))] });
  return counts;
}

/**
 * The database refused the batch: stores each event on its own. An event refused twice on its own while
 * others are stored is dead-lettered; when none can be stored the database itself is failing, and the
 * batch fails as a whole so the data plane sends it again.
 */
async function storeOneByOne(context: ServiceContext, events: UsageEvent[], deadLetters: DeadLetter[], batchError: unknown): Promise<UsageIngestResult> {
  const total: UsageIngestResult = { inserted: 0, duplicates: 0 };
  const refused: DeadLetter[] = [];
  for (const event of events) {
    let stored: UsageIngestResult | null = null;
    let lastError: unknown = null;
    for (let attempt = 0; attempt < 2 && stored === null; attempt += 1) {
      try {
        stored = await storeEvents(context, [event]);
      } catch (error) {
        lastError = error;
      }
    }
    if (stored === null) {
      refused.push({ event, reason: `refused by the database: ${errorMessage(lastError)}` });
      continue;
    }
    total.inserted += stored.inserted;
    total.duplicates += stored.duplicates;
    if (stored.unbilled) total.unbilled = (total.unbilled ?? 0) + stored.unbilled;
  }
  if (refused.length === events.length && events.length > 1) throw batchError;
  deadLetters.push(...refused);
  return total;
}

/** One transaction: the rows, their debits, the keys' last use, the unbilled and ingest audit rows. */
async function storeEvents(context: ServiceContext, events: UsageEvent[]): Promise<UsageIngestResult> {
  return context.prisma.$transaction(async (transaction) => {
    const byOrg = await insertUsageRows(transaction, events);
    await moveOrgTotals(
      transaction,
      byOrg.filter((org) => org.debited_micros > 0n).map((org) => ({ orgId: org.org_id, kind: 'usage' as const, amountMicros: -org.debited_micros })),
    );
    await recordKeysLastUsed(transaction, events);
    await recordUnbilled(transaction, context, byOrg);
    const inserted = byOrg.reduce((sum, org) => sum + org.inserted, 0);
    const unbilled = byOrg.reduce((sum, org) => sum + org.unbilled, 0);
    const counts: UsageIngestResult = { inserted, duplicates: events.length - inserted };
    if (unbilled > 0) counts.unbilled = unbilled;
    if (counts.inserted > 0) await recordAudit(transaction, context.actor, { action: 'usage.ingest', target: ingestTarget(context), details: { ...counts } });
    return counts;
  });
}

async function recordDeadLetters(context: ServiceContext, deadLetters: DeadLetter[]): Promise<void> {
  await context.prisma.$transaction(async (transaction) => {
    for (const { event, reason } of deadLetters) {
      // As JSON text, escaped: the event may hold exactly what the database refused (NUL, lone surrogates).
      const sent = JSON.stringify(event) ?? String(event);
      await recordAudit(transaction, context.actor, {
        action: 'usage.dead-letter',
        target: ingestTarget(context),
        details: {
          requestId: deadLetterRequestId(event),
          reason: escapeForJsonb(reason).slice(0, 2_000),
          event: escapeForJsonb(sent.slice(0, DEAD_LETTER_EVENT_CHARS)),
          truncated: sent.length > DEAD_LETTER_EVENT_CHARS,
        },
      });
    }
  });
}

/** The event's request id when it has a usable one, for finding its dead letter. */
function deadLetterRequestId(event: unknown): string | null {
  const requestId = event !== null && typeof event === 'object' ? (event as { requestId?: unknown }).requestId : undefined;
  return typeof requestId === 'string' ? escapeForJsonb(requestId).slice(0, 128) : null;
}

/** jsonb stores neither NUL nor a lone surrogate: writes them as visible escapes. */
function escapeForJsonb(text: string): string {
  return text
    .replaceAll('\u0000', '\\u0000')
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, (char) => `\\u${char.charCodeAt(0).toString(16)}`);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message.slice(0, 1_000) : String(error);
}

/**
 * A usage event as the batch parameter carries it: its values in the order of `usage_records`' columns in
 * insertUsageRows, without the 25 keys repeated for every event. On PGlite that halves the text the
 * database parses (jsonb) and that Prisma serialises and parses again before passing it on.
 */
function usageRowValues(event: UsageEvent): unknown[] {
  return [
    event.requestId,
    event.orgId,
    event.userId,
    event.apiKeyId,
    event.requestedModel,
    event.servedModel,
    event.providerId,
    event.byok,
    event.promptTokens,
    event.completionTokens,
    event.cacheReadTokens,
    event.cacheWriteTokens,
    event.reasoningTokens,
    event.costMicros,
    event.upstreamCostMicros,
    event.usageEstimated,
    event.ttftMs,
    event.upstreamLatencyMs,
    event.totalLatencyMs,
    event.status,
    event.finishReason,
    event.errorCode,
    event.streamed,
    event.startedAt,
    event.finishedAt,
  ];
}

/**
 * Inserts the events not yet stored, adds exactly those to usage_daily and writes their ledger debits, in
 * one statement; returns what it stored per organization. The organizations' totals are moved by the
 * caller (ledger.ts), in the same transaction.
 */
async function insertUsageRows(transaction: Prisma.TransactionClient, events: UsageEvent[]): Promise<InsertedForOrg[]> {
  // The whole batch travels as one JSON parameter, an array of each event's values (usageRowValues), so
  // its size is not bound by the parameter limit. The daily upsert reads the INSERT's RETURNING, so a
  // duplicate (not returned) is never summed, and its groups are sorted so concurrent batches lock
  // aggregate rows in one order. Only per-organization sums come back, not a row per event.
  return transaction.$queryRaw<InsertedForOrg[]>`
    WITH "inserted" AS (
      INSERT INTO "usage_records" (
        "request_id", "org_id", "user_id", "api_key_id", "requested_model", "served_model", "provider_id", "byok",
        "prompt_tokens", "completion_tokens", "cache_read_tokens", "cache_write_tokens", "reasoning_tokens",
        "cost_micros", "upstream_cost_micros", "usage_estimated", "ttft_ms", "upstream_latency_ms", "total_latency_ms",
        "status", "finish_reason", "error_code", "streamed", "started_at", "finished_at")
      SELECT
        "e"->>0, "e"->>1, "e"->>2, "e"->>3, "e"->>4, "e"->>5, "e"->>6, ("e"->>7)::boolean,
        ("e"->>8)::integer, ("e"->>9)::integer, ("e"->>10)::integer, ("e"->>11)::integer, ("e"->>12)::integer,
        ("e"->>13)::bigint, ("e"->>14)::bigint, ("e"->>15)::boolean, ("e"->>16)::double precision,
        ("e"->>17)::double precision, ("e"->>18)::double precision,
        ("e"->>19)::integer, "e"->>20, "e"->>21, ("e"->>22)::boolean, ("e"->>23)::timestamptz, ("e"->>24)::timestamptz
      FROM jsonb_array_elements(${JSON.stringify(events.map(usageRowValues))}::jsonb) AS "batch"("e")
      ON CONFLICT ("request_id") DO NOTHING
      RETURNING "id", "request_id", "org_id", "user_id", "api_key_id", "requested_model", "provider_id", "byok",
        "prompt_tokens", "completion_tokens", "cache_read_tokens", "cache_write_tokens", "reasoning_tokens",
        "cost_micros", "started_at"
    ), "daily" AS (
      INSERT INTO "usage_daily" (
        "org_id", "day", "user_id", "api_key_id", "requested_model", "provider_id", "byok", "requests",
        "prompt_tokens", "completion_tokens", "cache_read_tokens", "cache_write_tokens", "reasoning_tokens", "cost_micros")
      SELECT "org_id", ("started_at" AT TIME ZONE 'UTC')::date, "user_id", "api_key_id", "requested_model", "provider_id", "byok",
        count(*), sum("prompt_tokens"), sum("completion_tokens"), sum("cache_read_tokens"), sum("cache_write_tokens"),
        sum("reasoning_tokens"), sum("cost_micros")
      FROM "inserted"
      GROUP BY 1, 2, 3, 4, 5, 6, 7
      ORDER BY 1, 2, 3, 4, 5, 6, 7
      ON CONFLICT ("org_id", "day", "user_id", "api_key_id", "requested_model", "provider_id", "byok") DO UPDATE SET
        "requests" = "usage_daily"."requests" + EXCLUDED."requests",
        "prompt_tokens" = "usage_daily"."prompt_tokens" + EXCLUDED."prompt_tokens",
        "completion_tokens" = "usage_daily"."completion_tokens" + EXCLUDED."completion_tokens",
        "cache_read_tokens" = "usage_daily"."cache_read_tokens" + EXCLUDED."cache_read_tokens",
        "cache_write_tokens" = "usage_daily"."cache_write_tokens" + EXCLUDED."cache_write_tokens",
        "reasoning_tokens" = "usage_daily"."reasoning_tokens" + EXCLUDED."reasoning_tokens",
        "cost_micros" = "usage_daily"."cost_micros" + EXCLUDED."cost_micros"
    ), "billed" AS (
      SELECT "inserted".*, "org"."id" IS NOT NULL AS "billed",
        "org"."id" IS NOT NULL AND NOT "inserted"."byok" AND "inserted"."cost_micros" > 0 AS "debited"
      FROM "inserted" LEFT JOIN "organizations" AS "org" ON "org"."id" = "inserted"."org_id"
    ), "debits" AS (
      -- BYOK requests are paid to the provider by the org directly; free requests need no entry. In the
      -- batch's order (usage row ids), as one entry per request was always written.
      INSERT INTO "ledger_entries" ("org_id", "kind", "amount_micros", "usage_request_id")
      SELECT "org_id", 'usage', -"cost_micros", "request_id" FROM "billed" WHERE "debited" ORDER BY "id"
    )
    SELECT "org_id", count(*)::integer AS "inserted", (count(*) FILTER (WHERE NOT "billed"))::integer AS "unbilled",
      coalesce(sum("cost_micros") FILTER (WHERE "debited"), 0)::bigint AS "debited_micros",
      coalesce(sum("cost_micros") FILTER (WHERE NOT "billed" AND NOT "byok"), 0)::bigint AS "unbilled_micros"
    FROM "billed" GROUP BY "org_id" ORDER BY "org_id"`;
}

async function recordUnbilled(transaction: Prisma.TransactionClient, context: ServiceContext, byOrg: InsertedForOrg[]): Promise<void> {
  for (const org of byOrg) {
    if (org.unbilled === 0) continue;
    await recordAudit(transaction, context.actor, {
      action: 'usage.unbilled',
      target: `org:${org.org_id}`,
      details: { reason: 'organization not found', requests: org.unbilled, costMicros: Number(org.unbilled_micros) },
    });
  }
}

function ingestTarget(context: ServiceContext): string {
  return context.actor.kind === 'data-plane' ? `data-plane:${context.actor.tokenId}` : 'usage';
}

async function recordKeysLastUsed(transaction: Prisma.TransactionClient, events: UsageEvent[]): Promise<void> {
  const latest = new Map<string, string>();
  for (const event of events) {
    const seen = latest.get(event.apiKeyId);
    if (seen === undefined || Date.parse(event.finishedAt) > Date.parse(seen)) latest.set(event.apiKeyId, event.finishedAt);
  }
  if (latest.size === 0) return;
  // Locked in id order first, like the ledger's balance updates, so concurrent batches take key rows in one
  // order; then one UPDATE for all (not one per key: a batch names hundreds). GREATEST skips NULL and keeps
  // a newer time from a batch that arrived earlier (spools can reorder).
  const ids = [...latest.keys()].sort();
  await transaction.$queryRaw`SELECT 1 FROM "api_keys" WHERE "id" = ANY(${ids}::text[]) ORDER BY "id" FOR NO KEY UPDATE`;
  const uses = JSON.stringify([...latest].map(([id, at]) => ({ id, at })));
  await transaction.$executeRaw`
    UPDATE "api_keys" AS "key" SET "last_used_at" = GREATEST("key"."last_used_at", "use"."at")
    FROM jsonb_to_recordset(${uses}::jsonb) AS "use"("id" TEXT, "at" TIMESTAMPTZ)
    WHERE "key"."id" = "use"."id"`;
}
