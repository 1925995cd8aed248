// An organization's balance: what ledger entries have added up to (services/ledger.ts keeps it).
import { z } from 'zod';
import { GatewayError } from '../../../../shared/src/errors.ts';
import { parseInput } from '../input-schemas.ts';
import { authorizeOrgAction } from '../org-access.ts';
import type { ServiceContext } from '../service-context.ts';

export const getBalanceInputSchema = z.object({ orgId: z.string() });

export interface BalanceView {
  orgId: string;
  /** Signed integer microdollars: negative once usage outran the credits. */
  balanceMicros: number;
}

export async function getBalance(context: ServiceContext, rawInput: z.input<typeof getBalanceInputSchema>): Promise<BalanceView> {
  const input = parseInput(getBalanceInputSchema, rawInput, 'input');
  await authorizeOrgAction(context, input.orgId, 'billing.read');
  const org = await context.prisma.organization.findUnique({ where: { id: input.orgId }, select: { balanceMicros: true } });
  if (!org) throw new GatewayError('not_found', `organization ${input.orgId} not found`, { param: 'orgId' });
  return { orgId: input.orgId, balanceMicros: Number(org.balanceMicros) };
}
