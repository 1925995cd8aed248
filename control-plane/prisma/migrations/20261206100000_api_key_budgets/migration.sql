-- Per-key budgets (issue 15, item 2): caps per day, week and month in the key's time zone, enforced by
-- the data planes' spend reservations beside the org balance and the user's daily limit.
ALTER TABLE "api_keys" ADD COLUMN "budget_daily_micros" BIGINT;
ALTER TABLE "api_keys" ADD COLUMN "budget_weekly_micros" BIGINT;
ALTER TABLE "api_keys" ADD COLUMN "budget_monthly_micros" BIGINT;
ALTER TABLE "api_keys" ADD COLUMN "budget_time_zone" TEXT NOT NULL DEFAULT 'UTC';
