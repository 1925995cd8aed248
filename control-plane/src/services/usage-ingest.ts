// Idempotent usage ingest. One transaction per batch writes the usage rows and the ledger debits; a
// request id already stored (a retried batch) is counted as a duplicate and charged nothing, so a crash
// or retry on either side never double-counts. The data plane never writes the database, so the same
// transaction also moves each key's last_used_at to the newest finishedAt it sees. The unique index on request_id decides, not a prior
// read, so two concurrent deliveries of the same batch cannot both insert.
import { GatewayError } from '../../../shared/src/errors.ts';
import type { UsageIngestInput, UsageIngestResult } from '../../../shared/src/usage-event.ts';
import { recordAudit } from './audit.ts';
import { appendLedgerEntries } from './ledger.ts';
import type { Prisma } from '../../generated/prisma/client.ts';
import type { ServiceContext } from './service-context.ts';

interface InsertedRow {
  request_id: string;
  org_id: string;
  cost_micros: bigint;
  byok: boolean;
}

export async function ingestUsage(context: ServiceContext, input: UsageIngestInput): Promise<UsageIngestResult> {
  const { events } = input;
  const result = await context.prisma.$transaction(async (transaction) => {
    const orgIds = [...new Set(events.map((event) => event.orgId))];
    const known = await transaction.organization.findMany({ where: { id: { in: orgIds } }, select: { id: true } });
    if (known.length !== orgIds.length) {
      const knownIds = new Set(known.map((org) => org.id));
      const unknown = orgIds.filter((id) => !knownIds.has(id));
      throw new GatewayError('invalid_request', `usage for unknown organizations: ${unknown.join(', ')}`, { param: 'events' });
    }
    // The whole batch travels as one JSON parameter, so its size is not bound by the parameter limit;
    // jsonb_to_recordset matches the event's camelCase keys to the quoted column names below.
    const inserted = await transaction.$queryRaw<InsertedRow[]>`
      INSERT INTO "usage_records" (
        "request_id", "org_id", "user_id", "api_key_id", "requested_model", "served_model", "provider_id", "byok",
        "prompt_tokens", "completion_tokens", "cache_read_tokens", "cache_write_tokens", "reasoning_tokens",
        "cost_micros", "upstream_cost_micros", "usage_estimated", "ttft_ms", "upstream_latency_ms", "total_latency_ms",
        "status", "finish_reason", "error_code", "streamed", "started_at", "finished_at")
      SELECT
        "requestId", "orgId", "userId", "apiKeyId", "requestedModel", "servedModel", "providerId", "byok",
        "promptTokens", "completionTokens", "cacheReadTokens", "cacheWriteTokens", "reasoningTokens",
        "costMicros", "upstreamCostMicros", "usageEstimated", "ttftMs", "upstreamLatencyMs", "totalLatencyMs",
        "status", "finishReason", "errorCode", "streamed", "startedAt", "finishedAt"
      FROM jsonb_to_recordset(${JSON.stringify(events)}::jsonb) AS event(
        "requestId" TEXT, "orgId" TEXT, "userId" TEXT, "apiKeyId" TEXT, "requestedModel" TEXT, "servedModel" TEXT,
        "providerId" TEXT, "byok" BOOLEAN, "promptTokens" INTEGER, "completionTokens" INTEGER, "cacheReadTokens" INTEGER,
        "cacheWriteTokens" INTEGER, "reasoningTokens" INTEGER, "costMicros" BIGINT, "upstreamCostMicros" BIGINT,
        "usageEstimated" BOOLEAN, "ttftMs" DOUBLE PRECISION, "upstreamLatencyMs" DOUBLE PRECISION,
        "totalLatencyMs" DOUBLE PRECISION, "status" INTEGER, "finishReason" TEXT, "errorCode" TEXT, "streamed" BOOLEAN,
        "startedAt" TIMESTAMPTZ, "finishedAt" TIMESTAMPTZ)
      ON CONFLICT ("request_id") DO NOTHING
      RETURNING "request_id", "org_id", "cost_micros", "byok"`;
    // BYOK requests are paid to the provider by the org directly; free requests need no entry.
    const debits = inserted
      .filter((row) => !row.byok && BigInt(row.cost_micros) > 0n)
      .map((row) => ({ orgId: row.org_id, kind: 'usage' as const, amountMicros: -BigInt(row.cost_micros), usageRequestId: row.request_id }));
    await appendLedgerEntries(transaction, debits);
    await recordKeysLastUsed(transaction, events);
    const counts = { inserted: inserted.length, duplicates: events.length - inserted.length };
    if (counts.inserted > 0) {
      const target = context.actor.kind === 'data-plane' ? `data-plane:${context.actor.tokenId}` : 'usage';
      await recordAudit(transaction, context.actor, { action: 'usage.ingest', target, details: counts });
    }
    return counts;
  });
  return result;
}

async function recordKeysLastUsed(transaction: Prisma.TransactionClient, events: UsageIngestInput['events']): Promise<void> {
  const latest = new Map<string, string>();
  for (const event of events) {
    const seen = latest.get(event.apiKeyId);
    if (seen === undefined || Date.parse(event.finishedAt) > Date.parse(seen)) latest.set(event.apiKeyId, event.finishedAt);
  }
  // Sorted, like the ledger's balance updates, so concurrent batches lock key rows in one order.
  // GREATEST skips NULL and keeps a newer time from a batch that arrived earlier (spools can reorder).
  for (const [apiKeyId, finishedAt] of [...latest].sort(([a], [b]) => (a < b ? -1 : 1))) {
    await transaction.$executeRaw`
      UPDATE "api_keys" SET "last_used_at" = GREATEST("last_used_at", ${finishedAt}::timestamptz) WHERE "id" = ${apiKeyId}`;
  }
}
