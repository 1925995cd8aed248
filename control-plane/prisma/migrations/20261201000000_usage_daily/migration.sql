-- Daily usage aggregate: one row per organization, UTC day of started_at, user, key, requested model,
-- provider and BYOK flag, kept by usage ingest in the same transaction as the usage rows it sums
-- (services/usage-ingest.ts). Billing reads whole days here and only the partial days at a range's edges
-- from usage_records. No foreign keys, like usage_records: it sums a log that outlives keys and orgs.

CREATE TABLE "usage_daily" (
    "org_id" TEXT NOT NULL,
    "day" DATE NOT NULL,
    "user_id" TEXT NOT NULL,
    "api_key_id" TEXT NOT NULL,
    "requested_model" TEXT NOT NULL,
    "provider_id" TEXT NOT NULL,
    "byok" BOOLEAN NOT NULL,
    "requests" BIGINT NOT NULL,
    "prompt_tokens" BIGINT NOT NULL,
    "completion_tokens" BIGINT NOT NULL,
    "cache_read_tokens" BIGINT NOT NULL,
    "cache_write_tokens" BIGINT NOT NULL,
    "reasoning_tokens" BIGINT NOT NULL,
    "cost_micros" BIGINT NOT NULL,
    CONSTRAINT "usage_daily_pkey" PRIMARY KEY ("org_id", "day", "user_id", "api_key_id", "requested_model", "provider_id", "byok")
);

-- Ledger pages are read newest first by id, per org and optionally per kind (services/billing/): these
-- keep a page an index range scan however many usage debits the org has.
CREATE INDEX "ledger_entries_org_id_id_idx" ON "ledger_entries"("org_id", "id");
CREATE INDEX "ledger_entries_org_id_kind_id_idx" ON "ledger_entries"("org_id", "kind", "id");
