-- The request log pages an organization's requests newest first by (started_at, id) (services/request-log.ts):
-- each page starts where the last ended through these indexes, whatever its depth. The (org_id, started_at)
-- index becomes the first of them, which serves the usage summaries' raw edges as before.
DROP INDEX "usage_records_org_id_started_at_idx";
CREATE INDEX "usage_records_org_id_started_at_id_idx" ON "usage_records"("org_id", "started_at", "id");
CREATE INDEX "usage_records_org_id_user_id_started_at_id_idx" ON "usage_records"("org_id", "user_id", "started_at", "id");
CREATE INDEX "usage_records_org_id_api_key_id_started_at_id_idx" ON "usage_records"("org_id", "api_key_id", "started_at", "id");
