-- Budget alerts (issue 15, item 3): an org's thresholds and webhook, each crossing once per subject and
-- window, and the webhook delivery log with its attempts.
CREATE TABLE "org_alert_configs" (
    "org_id" TEXT NOT NULL,
    "thresholds" INTEGER[] NOT NULL DEFAULT ARRAY[]::INTEGER[],
    "webhook_url" TEXT,
    "webhook_secret" TEXT,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "org_alert_configs_pkey" PRIMARY KEY ("org_id"),
    CONSTRAINT "org_alert_configs_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE
);

CREATE TABLE "budget_alert_firings" (
    "id" BIGSERIAL NOT NULL,
    "org_id" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "window" TEXT NOT NULL,
    "threshold" INTEGER NOT NULL,
    "used_micros" BIGINT NOT NULL,
    "limit_micros" BIGINT NOT NULL,
    "fired_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "budget_alert_firings_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "budget_alert_firings_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE UNIQUE INDEX "budget_alert_firings_org_id_subject_window_threshold_key" ON "budget_alert_firings"("org_id", "subject", "window", "threshold");

CREATE TABLE "webhook_deliveries" (
    "id" TEXT NOT NULL,
    "org_id" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_status_code" INTEGER,
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "delivered_at" TIMESTAMPTZ(3),
    CONSTRAINT "webhook_deliveries_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "webhook_deliveries_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "webhook_deliveries_status_next_attempt_at_idx" ON "webhook_deliveries"("status", "next_attempt_at");
CREATE INDEX "webhook_deliveries_org_id_created_at_idx" ON "webhook_deliveries"("org_id", "created_at");
