-- Access control and org policies: key scopes, provider allow/deny lists, daily spending limits
-- (org default and per-member override), and an org column on the audit log so it can be queried per org.
-- Prisma has no nullable lists, so a `restrict_*` flag stands for "no restriction" (null in the snapshot).

ALTER TABLE "api_keys"
    ADD COLUMN "restrict_models" BOOLEAN NOT NULL DEFAULT false,
    ADD COLUMN "allowed_models" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[],
    ADD COLUMN "restrict_providers" BOOLEAN NOT NULL DEFAULT false,
    ADD COLUMN "allowed_providers" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[];

ALTER TABLE "org_policies"
    ADD COLUMN "restrict_providers" BOOLEAN NOT NULL DEFAULT false,
    ADD COLUMN "allowed_providers" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[],
    ADD COLUMN "denied_providers" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[],
    ADD COLUMN "daily_limit_micros" BIGINT,
    ADD CONSTRAINT "org_policies_daily_limit_check" CHECK ("daily_limit_micros" IS NULL OR "daily_limit_micros" >= 0);

ALTER TABLE "memberships"
    ADD COLUMN "daily_limit_micros" BIGINT,
    ADD CONSTRAINT "memberships_daily_limit_check" CHECK ("daily_limit_micros" IS NULL OR "daily_limit_micros" >= 0);

ALTER TABLE "audit_log" ADD COLUMN "org_id" TEXT;
CREATE INDEX "audit_log_org_id_at_idx" ON "audit_log"("org_id", "at");
