// Where the caller stands against the limits the data planes enforce: the org's balance (for those who
// see money), the caller's own daily limit and what they spent today (UTC), and each budgeted key's
// windows with what was spent in them. The spend is what usage ingest has recorded, read exactly as the
// spend floors the data planes count from (spend-floor-compiler.ts), so the console and the refusals
// agree up to the requests not yet ingested (seconds).
import { z } from 'zod';
import { budgetPeriods, computeBudgetWindows, keyBudgetWindowName, type BudgetPeriod } from '../../../../shared/src/budget-windows.ts';
import { apiKeyBudget } from '../api-keys.ts';
import { parseInput } from '../input-schemas.ts';
import { authorizeOrgAction, mayDo } from '../org-access.ts';
import type { ServiceContext } from '../service-context.ts';
import { compileSpendFloors } from '../spend-floor-compiler.ts';

export const getSpendingLimitsInputSchema = z.object({ orgId: z.string() });

export interface BudgetWindowStatus {
  period: BudgetPeriod;
  limitMicros: number;
  spentMicros: number;
  /** When the window ends and its spend starts again from zero. */
  resetsAt: Date;
}

export interface KeyBudgetStatus {
  apiKeyId: string;
  name: string;
  timeZone: string;
  windows: BudgetWindowStatus[];
}

export interface SpendingLimits {
  orgId: string;
  /** null when the caller's role does not see money (`billing.read`). */
  balanceMicros: number | null;
  /** The caller's own daily limit today (UTC); null when the caller is not a member of the org. */
  member: { day: string; limitMicros: number | null; spentMicros: number; resetsAt: Date } | null;
  /** The budgeted, unrevoked keys the caller may see (owners and admins every key, members their own). */
  keys: KeyBudgetStatus[];
}

export async function getSpendingLimits(context: ServiceContext, rawInput: z.input<typeof getSpendingLimitsInputSchema>): Promise<SpendingLimits> {
  const input = parseInput(getSpendingLimitsInputSchema, rawInput, 'input');
  const membership = await authorizeOrgAction(context, input.orgId, 'usage.readOwn');
  const now = Date.now();
  const [floors, policy, keys] = await Promise.all([
    compileSpendFloors(context.prisma, [input.orgId]),
    context.prisma.orgPolicy.findUnique({ where: { orgId: input.orgId }, select: { dailyLimitMicros: true } }),
    mayDo(membership, 'apiKey.read')
      ? context.prisma.apiKey.findMany({
          where: {
            orgId: input.orgId,
            revokedAt: null,
            ...(mayDo(membership, 'apiKey.manageAll') ? {} : { userId: membership?.userId }),
            OR: [{ budgetDailyMicros: { not: null } }, { budgetWeeklyMicros: { not: null } }, { budgetMonthlyMicros: { not: null } }],
          },
          orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
        })
      : [],
  ]);
  const floor = floors.get(input.orgId);
  const day = new Date(now).toISOString().slice(0, 10);
  const member =
    membership === null
      ? null
      : {
          day,
          limitMicros: toNumber(membership.dailyLimitMicros ?? policy?.dailyLimitMicros ?? null),
          // The floor's day is the UTC day it was read for; at midnight a new day starts from nothing.
          spentMicros: floor?.day === day ? (floor.userMicros[membership.userId] ?? 0) : 0,
          resetsAt: new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000),
        };
  return {
    orgId: input.orgId,
    balanceMicros: mayDo(membership, 'billing.read') && floor ? floor.creditsMicros - floor.usageDebitedMicros : null,
    member,
    keys: keys.map((key) => {
      const budget = apiKeyBudget(key);
      const windows = computeBudgetWindows(budget.timeZone, now);
      const limits: Record<BudgetPeriod, number | null> = { daily: budget.dailyMicros, weekly: budget.weeklyMicros, monthly: budget.monthlyMicros };
      return {
        apiKeyId: key.id,
        name: key.name,
        timeZone: budget.timeZone,
        windows: budgetPeriods.flatMap((period) => {
          const limitMicros = limits[period];
          if (limitMicros === null) return [];
          const window = windows[period];
          const spentMicros = floor?.keyWindowMicros?.[keyBudgetWindowName(key.id, period, window)] ?? 0;
          return [{ period, limitMicros, spentMicros, resetsAt: new Date(window.endMs) }];
        }),
      };
    }),
  };
}

function toNumber(micros: bigint | null): number | null {
  return micros === null ? null : Number(micros);
}
