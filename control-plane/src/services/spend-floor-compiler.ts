// Reads spend floors (shared/src/spend-floors.ts) from the ledger: per org, the credits and usage debits
// ledger.ts keeps on the organization row, and today's ingested spend per user from usage_daily. Given
// org ids it reads only those orgs' rows, so an ingested batch costs work in proportion to the orgs it
// touched, not to the number of orgs.
import type { OrgSpendFloor } from '../../../shared/src/spend-floors.ts';
import type { PrismaClient } from '../../generated/prisma/client.ts';
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
  return floors;
}
