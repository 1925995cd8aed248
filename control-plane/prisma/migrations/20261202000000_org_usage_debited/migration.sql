-- Usage debits per organization as a running total (a positive number), moved by services/ledger.ts in
-- the transaction of each debit, so a snapshot compile reads it per org instead of summing the ledger.
ALTER TABLE "organizations" ADD COLUMN "usage_debited_micros" BIGINT NOT NULL DEFAULT 0;

UPDATE "organizations" SET "usage_debited_micros" = COALESCE(
    (SELECT -SUM("amount_micros") FROM "ledger_entries" WHERE "ledger_entries"."org_id" = "organizations"."id" AND "ledger_entries"."kind" = 'usage'),
    0);
