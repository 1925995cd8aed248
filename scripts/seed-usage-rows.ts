// Seeds a billing-sized history straight into PostgreSQL with generate_series: usage rows spread over
// `days` days for several orgs, users, keys, models and providers, then the usage_daily rows and ledger
// debits usage ingest would have written for them (the ingest tests prove those agree), a grant per org,
// and balances that match the ledger. Deterministic: the same options give the same rows.
import type pg from 'pg';

export interface SeedUsageOptions {
  rows: number;
  days: number;
  /** The newest row starts just before this instant. */
  end: Date;
  orgs: number;
  usersPerOrg: number;
  keysPerUser: number;
  models: number;
  providers: number;
}

export interface SeededUsage {
  /** Half the rows. */
  busiestOrgId: string;
  /** One row in a thousand. */
  smallestOrgId: string;
}

export async function seedUsageRows(client: pg.Client, options: SeedUsageOptions): Promise<SeededUsage> {
  const { orgs, usersPerOrg, keysPerUser, models, providers } = options;
  await client.query(
    `
    INSERT INTO "organizations" ("id", "name") SELECT 'bench-org-' || o, 'Bench org ' || o FROM generate_series(0, $1 - 1) AS o`,
    [orgs],
  );
  await client.query(
    `
    INSERT INTO "users" ("id", "email") SELECT 'bench-user-' || o || '-' || u, 'user-' || o || '-' || u || '@bench.example'
    FROM generate_series(0, $1 - 1) AS o, generate_series(0, $2 - 1) AS u`,
    [orgs, usersPerOrg],
  );
  await client.query(
    `
    INSERT INTO "memberships" ("org_id", "user_id", "role") SELECT 'bench-org-' || o, 'bench-user-' || o || '-' || u, 'member'
    FROM generate_series(0, $1 - 1) AS o, generate_series(0, $2 - 1) AS u`,
    [orgs, usersPerOrg],
  );
  await client.query(
    `
    INSERT INTO "api_keys" ("id", "org_id", "user_id", "name", "key_hash", "prefix", "last4")
    SELECT 'bench-key-' || o || '-' || u || '-' || k, 'bench-org-' || o, 'bench-user-' || o || '-' || u, 'key ' || k,
      md5('bench-key-' || o || '-' || u || '-' || k), 'sk-gw-', lpad(k::text, 4, '0')
    FROM generate_series(0, $1 - 1) AS o, generate_series(0, $2 - 1) AS u, generate_series(0, $3 - 1) AS k`,
    [orgs, usersPerOrg, keysPerUser],
  );
  await client.query(
    `
    INSERT INTO "providers" ("id", "slug", "kind", "base_url", "updated_at") SELECT 'bench-provider-' || p, 'bench-' || p, 'openai-compatible', 'http://127.0.0.1:9/v1', now()
    FROM generate_series(0, $1 - 1) AS p`,
    [providers],
  );

  // Row g starts at a steady pace through the period (ids follow time, as ingest writes them). Half the
  // rows are org 0's, one in a thousand the last org's, and the orgs between share the rest; users, keys
  // and models are picked by a multiplicative hash of g; every 17th request is BYOK; every other one is
  // streamed and has a time to first token; latencies spread over 0.2-5.2 s.
  const periodMs = options.days * 86_400_000;
  await client.query(
    `
    INSERT INTO "usage_records" (
      "request_id", "org_id", "user_id", "api_key_id", "requested_model", "served_model", "provider_id", "byok",
      "prompt_tokens", "completion_tokens", "cache_read_tokens", "cache_write_tokens", "reasoning_tokens",
      "cost_micros", "upstream_cost_micros", "usage_estimated", "ttft_ms", "upstream_latency_ms", "total_latency_ms",
      "status", "finish_reason", "error_code", "streamed", "started_at", "finished_at")
    SELECT 'bench-' || g, 'bench-org-' || o, 'bench-user-' || o || '-' || u, 'bench-key-' || o || '-' || u || '-' || k,
      'bench/model-' || m, 'model-' || m, 'bench-provider-' || (m % $7), g % 17 = 0,
      prompt, completion, cache_read, 0, reasoning,
      prompt * 3 + completion * 15 + cache_read, NULL, false, CASE WHEN g % 2 = 0 THEN 50 + (g * 31) % 900 END, 400, 200 + (g * 61) % 5000,
      200, 'stop', NULL, g % 2 = 0, started, started + interval '410 milliseconds'
    FROM (
      SELECT g,
        CASE WHEN g % 1000 = 1 THEN $2 - 1 WHEN g % 2 = 0 THEN 0 ELSE 1 + (g / 2) % ($2 - 2) END AS o,
        h % $3 AS u,
        (h / 97) % $4 AS k,
        (h / 9973) % $5 AS m,
        100 + (g * 37) % 4000 AS prompt,
        20 + (g * 53) % 900 AS completion,
        CASE WHEN g % 5 = 0 THEN (g * 29) % 2000 ELSE 0 END AS cache_read,
        CASE WHEN g % 7 = 0 THEN (g * 19) % 500 ELSE 0 END AS reasoning,
        $6::timestamptz - make_interval(secs => ($1 - g) * ($8::double precision / $1) / 1000) AS started
      FROM generate_series(1, $1) AS g, LATERAL (SELECT (g::bigint * 2654435761) % 4294967296 AS h) AS hashed
    ) AS seeded`,
    [options.rows, orgs, usersPerOrg, keysPerUser, models, options.end.toISOString(), providers, periodMs],
  );
  await client.query(`
    INSERT INTO "usage_daily" ("org_id", "day", "user_id", "api_key_id", "requested_model", "provider_id", "byok", "requests",
      "prompt_tokens", "completion_tokens", "cache_read_tokens", "cache_write_tokens", "reasoning_tokens", "cost_micros")
    SELECT "org_id", ("started_at" AT TIME ZONE 'UTC')::date, "user_id", "api_key_id", "requested_model", "provider_id", "byok", count(*),
      sum("prompt_tokens"), sum("completion_tokens"), sum("cache_read_tokens"), sum("cache_write_tokens"), sum("reasoning_tokens"), sum("cost_micros")
    FROM "usage_records" WHERE "request_id" LIKE 'bench-%' GROUP BY 1, 2, 3, 4, 5, 6, 7`);
  await client.query(
    `
    INSERT INTO "ledger_entries" ("org_id", "kind", "amount_micros", "note", "created_at")
    SELECT 'bench-org-' || o, 'grant', 1000000000000, 'bench grant', $2::timestamptz FROM generate_series(0, $1 - 1) AS o`,
    [orgs, new Date(options.end.getTime() - periodMs - 86_400_000).toISOString()],
  );
  await client.query(`
    INSERT INTO "ledger_entries" ("org_id", "kind", "amount_micros", "usage_request_id", "created_at")
    SELECT "org_id", 'usage', -"cost_micros", "request_id", "finished_at" FROM "usage_records"
    WHERE "request_id" LIKE 'bench-%' AND NOT "byok" AND "cost_micros" > 0 ORDER BY "id"`);
  await client.query(`
    UPDATE "organizations" SET "balance_micros" = (SELECT sum("amount_micros") FROM "ledger_entries" WHERE "org_id" = "organizations"."id")
    WHERE "id" LIKE 'bench-org-%'`);
  await client.query('ANALYZE');
  return { busiestOrgId: 'bench-org-0', smallestOrgId: `bench-org-${orgs - 1}` };
}
