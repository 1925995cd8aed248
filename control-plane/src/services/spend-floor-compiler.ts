// Reads spend floors (shared/src/spend-floors.ts) from the ledger: per org, the credits and usage debits
// ledger.ts keeps on the organization row, today's ingested spend per user from usage_daily, and the
// spend of keys with a budget in their current windows. Given org ids it reads only those orgs' rows, so
// an ingested batch costs work in proportion to the orgs it touched, not to the number of orgs.
import { budgetPeriods, computeBudgetWindows, keyBudgetWindowName, type BudgetPeriod } from '../../../shared/src/budget-windows.ts';
import type { OrgSpendFloor } from '../../../shared/src/spend-floors.ts';
import { Prisma, type PrismaClient } from '../../generated/prisma/client.ts';
import { splitUsageRange } from './billing/split-usage-range.ts';

/** An org as the floors' one read returns it. */
interface OrgFloorRow {
  id: string;
  balance_micros: bigint;
  usage_debited_micros: bigint;
  /** Today's ingested spend (BYOK excluded) per user: [userId, micros as text]. */
  users: Array<[string, string]> | null;
  /** The org's live keys with a budget; a cap is null when not set. */
  keys: BudgetedKey[] | null;
}

interface BudgetedKey {
  id: string;
  timeZone: string;
  daily: string | null;
  weekly: string | null;
  monthly: string | null;
}

/** `orgIds` null = every org. An org missing from the result no longer exists. */
export async function compileSpendFloors(prisma: PrismaClient, orgIds: readonly string[] | null): Promise<Map<string, OrgSpendFloor>> {
  const day = new Date().toISOString().slice(0, 10);
  const which = orgIds === null ? Prisma.empty : Prisma.sql`WHERE "org"."id" = ANY(${[...orgIds]}::text[])`;
  // One statement, so an org's credits and its users' spend are from the same moment, and one round trip
  // after every ingested batch (it was five: a transaction of two reads, and the keys).
  const orgs = await prisma.$queryRaw<OrgFloorRow[]>`
    SELECT "org"."id", "org"."balance_micros", "org"."usage_debited_micros",
      (SELECT json_agg(json_build_array("spent"."user_id", "spent"."micros"::text) ORDER BY "spent"."user_id")
        FROM (SELECT "user_id", sum("cost_micros") AS "micros" FROM "usage_daily"
          WHERE "usage_daily"."org_id" = "org"."id" AND "day" = ${day}::date AND NOT "byok" GROUP BY "user_id") AS "spent") AS "users",
      (SELECT json_agg(json_build_object('id', "key"."id", 'timeZone', "key"."budget_time_zone", 'daily', "key"."budget_daily_micros"::text,
          'weekly', "key"."budget_weekly_micros"::text, 'monthly', "key"."budget_monthly_micros"::text) ORDER BY "key"."id")
        FROM "api_keys" AS "key"
        WHERE "key"."org_id" = "org"."id" AND "key"."revoked_at" IS NULL
          AND ("key"."budget_daily_micros" IS NOT NULL OR "key"."budget_weekly_micros" IS NOT NULL OR "key"."budget_monthly_micros" IS NOT NULL)) AS "keys"
    FROM "organizations" AS "org" ${which}`;
  const floors = new Map<string, OrgSpendFloor>();
  const keys: Array<BudgetedKey & { orgId: string }> = [];
  for (const org of orgs) {
    const floor: OrgSpendFloor = {
      // Both from the org row ledger.ts keeps: every entry but usage debits, and the usage debits.
      creditsMicros: Number(BigInt(org.balance_micros) + BigInt(org.usage_debited_micros)),
      usageDebitedMicros: Number(org.usage_debited_micros),
      day,
      userMicros: {},
    };
    for (const [userId, micros] of org.users ?? []) if (Number(micros) > 0) floor.userMicros[userId] = Number(micros);
    floors.set(org.id, floor);
    for (const key of org.keys ?? []) keys.push({ ...key, orgId: org.id });
  }
  await addKeyWindowFloors(prisma, keys, floors);
  return floors;
}

/**
 * Each budgeted key's ingested spend (BYOK excluded) in its current windows, as the data planes name them.
 * Keys whose windows start at the same instant (same period and time zone) are summed by one query pair:
 * whole UTC days from usage_daily, the partial days at the edges from usage_records (split-usage-range.ts).
 */
async function addKeyWindowFloors(prisma: PrismaClient, keys: Array<BudgetedKey & { orgId: string }>, floors: Map<string, OrgSpendFloor>): Promise<void> {
  if (keys.length === 0) return;
  const now = Date.now();
  /** Window start (epoch ms) → the keys and their window names counted from it. */
  const byStart = new Map<number, Array<{ keyId: string; orgId: string; name: string }>>();
  for (const key of keys) {
    const windows = computeBudgetWindows(key.timeZone, now);
    for (const period of budgetPeriods as readonly BudgetPeriod[]) {
      if (key[period] === null) continue;
      const window = windows[period];
      const group = byStart.get(window.startMs) ?? [];
      group.push({ keyId: key.id, orgId: key.orgId, name: keyBudgetWindowName(key.id, period, window) });
      byStart.set(window.startMs, group);
    }
  }
  for (const [startMs, group] of byStart) {
    const spent = await spendByKeySince(prisma, [...new Set(group.map((entry) => entry.keyId))], new Date(startMs), new Date(now));
    for (const entry of group) {
      const floor = floors.get(entry.orgId);
      const cost = spent.get(entry.keyId) ?? 0;
      if (floor === undefined || cost === 0) continue;
      floor.keyWindowMicros ??= {};
      floor.keyWindowMicros[entry.name] = cost;
    }
  }
}

async function spendByKeySince(prisma: PrismaClient, keyIds: string[], from: Date, to: Date): Promise<Map<string, number>> {
  const parts = splitUsageRange(from, to);
  const spent = new Map<string, number>();
  const add = (keyId: string, micros: bigint | null | undefined) => spent.set(keyId, (spent.get(keyId) ?? 0) + Number(micros ?? 0n));
  if (parts.wholeDays !== null) {
    const days = await prisma.usageDaily.groupBy({
      by: ['apiKeyId'],
      where: { apiKeyId: { in: keyIds }, byok: false, day: { gte: new Date(parts.wholeDays.fromDay), lt: new Date(parts.wholeDays.toDay) } },
      _sum: { costMicros: true },
      orderBy: { apiKeyId: 'asc' },
    });
    for (const day of days) add(day.apiKeyId, day._sum?.costMicros);
  }
  for (const range of parts.rawRanges) {
    // Up to now and beyond: a record ingested since `to` was read belongs to the window too.
    const rows = await prisma.usageRecord.groupBy({
      by: ['apiKeyId'],
      where: { apiKeyId: { in: keyIds }, byok: false, startedAt: { gte: range.from, ...(range.to.getTime() === to.getTime() ? {} : { lt: range.to }) } },
      _sum: { costMicros: true },
      orderBy: { apiKeyId: 'asc' },
    });
    for (const row of rows) add(row.apiKeyId, row._sum?.costMicros);
  }
  return spent;
}
