// Reads spend floors (shared/src/spend-floors.ts) from the ledger: per org, the credits and usage debits
// ledger.ts keeps on the organization row, today's ingested spend per user from usage_daily, and the
// spend of keys with a budget in their current windows. Given org ids it reads only those orgs' rows, so
// an ingested batch costs work in proportion to the orgs it touched, not to the number of orgs.
import { budgetPeriods, computeBudgetWindows, keyBudgetWindowName, type BudgetPeriod } from '../../../shared/src/budget-windows.ts';
import type { OrgSpendFloor } from '../../../shared/src/spend-floors.ts';
import type { PrismaClient } from '../../generated/prisma/client.ts';
import { splitUsageRange } from './billing/split-usage-range.ts';
import { WHOLE_TABLE_READ } from './snapshot-compiler.ts';

/** `orgIds` null = every org. An org missing from the result no longer exists. */
export async function compileSpendFloors(prisma: PrismaClient, orgIds: readonly string[] | null): Promise<Map<string, OrgSpendFloor>> {
  const day = new Date().toISOString().slice(0, 10);
  const where = orgIds === null ? {} : { id: { in: [...orgIds] } };
  // One read transaction, so an org's credits and its users' spend are from the same moment.
  const [orgs, usage] = await prisma.$transaction(
    [
      prisma.organization.findMany({ where, select: { id: true, balanceMicros: true, usageDebitedMicros: true } }),
      prisma.usageDaily.groupBy({
        by: ['orgId', 'userId'],
        where: { day: new Date(day), byok: false, ...(orgIds === null ? {} : { orgId: { in: [...orgIds] } }) },
        _sum: { costMicros: true },
        orderBy: [{ orgId: 'asc' }, { userId: 'asc' }],
      }),
    ],
    WHOLE_TABLE_READ,
  );
  const floors = new Map<string, OrgSpendFloor>();
  for (const org of orgs) {
    floors.set(org.id, {
      // Both from the org row ledger.ts keeps: every entry but usage debits, and the usage debits.
      creditsMicros: Number(org.balanceMicros + org.usageDebitedMicros),
      usageDebitedMicros: Number(org.usageDebitedMicros),
      day,
      userMicros: {},
    });
  }
  for (const group of usage) {
    const floor = floors.get(group.orgId);
    const cost = Number(group._sum?.costMicros ?? 0n);
    if (floor !== undefined && cost > 0) floor.userMicros[group.userId] = cost;
  }
  await addKeyWindowFloors(prisma, orgIds, floors);
  return floors;
}

const capColumn = { daily: 'budgetDailyMicros', weekly: 'budgetWeeklyMicros', monthly: 'budgetMonthlyMicros' } as const;

/**
 * Each budgeted key's ingested spend (BYOK excluded) in its current windows, as the data planes name them.
 * Keys whose windows start at the same instant (same period and time zone) are summed by one query pair:
 * whole UTC days from usage_daily, the partial days at the edges from usage_records (split-usage-range.ts).
 */
async function addKeyWindowFloors(prisma: PrismaClient, orgIds: readonly string[] | null, floors: Map<string, OrgSpendFloor>): Promise<void> {
  const keys = await prisma.apiKey.findMany({
    where: {
      revokedAt: null,
      ...(orgIds === null ? {} : { orgId: { in: [...orgIds] } }),
      OR: [{ budgetDailyMicros: { not: null } }, { budgetWeeklyMicros: { not: null } }, { budgetMonthlyMicros: { not: null } }],
    },
    select: { id: true, orgId: true, budgetTimeZone: true, budgetDailyMicros: true, budgetWeeklyMicros: true, budgetMonthlyMicros: true },
  });
  if (keys.length === 0) return;
  const now = Date.now();
  /** Window start (epoch ms) → the keys and their window names counted from it. */
  const byStart = new Map<number, Array<{ keyId: string; orgId: string; name: string }>>();
  for (const key of keys) {
    const windows = computeBudgetWindows(key.budgetTimeZone, now);
    for (const period of budgetPeriods as readonly BudgetPeriod[]) {
      if (key[capColumn[period]] === null) continue;
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
