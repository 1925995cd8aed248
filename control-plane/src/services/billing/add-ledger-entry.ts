// Money into or out of an organization by hand: a grant (free credit), a purchase (paid credit) or an
// adjustment (a correction either way, with a note saying why). Platform admins only (`ledger.write`);
// usage debits come from ingest alone. Each entry writes an audit row in its own transaction.
import { z } from 'zod';
import { GatewayError } from '../../../../shared/src/errors.ts';
import { recordAudit } from '../audit.ts';
import { appendLedgerEntry } from '../ledger.ts';
import { parseInput } from '../input-schemas.ts';
import { authorizePlatformAction } from '../org-access.ts';
import type { ServiceContext } from '../service-context.ts';
import { ledgerCreditKinds } from './billing-vocabulary.ts';
import { toLedgerEntryView, type LedgerEntryView } from './list-ledger-entries.ts';

export const addLedgerEntryInputSchema = z
  .object({
    orgId: z.string(),
    kind: z.enum(ledgerCreditKinds),
    /** Signed integer microdollars; grants and purchases are credits (positive). */
    amountMicros: z.number().int().min(-Number.MAX_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER),
    note: z.string().trim().min(1).max(500).optional(),
  })
  .superRefine((input, issues) => {
    if (input.amountMicros === 0) issues.addIssue({ code: 'custom', path: ['amountMicros'], message: 'must not be zero' });
    if (input.kind !== 'adjustment' && input.amountMicros < 0)
      issues.addIssue({ code: 'custom', path: ['amountMicros'], message: `a ${input.kind} must be positive` });
    if (input.kind === 'adjustment' && input.note === undefined) issues.addIssue({ code: 'custom', path: ['note'], message: 'an adjustment needs a note' });
  });

export interface AddedLedgerEntry {
  entry: LedgerEntryView;
  /** The balance right after this entry. */
  balanceMicros: number;
}

export async function addLedgerEntry(context: ServiceContext, rawInput: z.input<typeof addLedgerEntryInputSchema>): Promise<AddedLedgerEntry> {
  const input = parseInput(addLedgerEntryInputSchema, rawInput, 'input');
  authorizePlatformAction(context, 'ledger.write');
  const added = await context.prisma.$transaction(async (transaction) => {
    const org = await transaction.organization.findUnique({ where: { id: input.orgId }, select: { id: true } });
    if (!org) throw new GatewayError('not_found', `organization ${input.orgId} not found`, { param: 'orgId' });
    const entry = await appendLedgerEntry(transaction, {
      orgId: input.orgId,
      kind: input.kind,
      amountMicros: BigInt(input.amountMicros),
      note: input.note ?? null,
    });
    const { balanceMicros } = await transaction.organization.findUniqueOrThrow({ where: { id: input.orgId }, select: { balanceMicros: true } });
    await recordAudit(transaction, context.actor, {
      action: `ledger.${input.kind}`,
      target: `org:${input.orgId}`,
      orgId: input.orgId,
      details: { entryId: String(entry.id), amountMicros: input.amountMicros, note: input.note ?? null },
    });
    return { entry: toLedgerEntryView(entry), balanceMicros: Number(balanceMicros) };
  });
  // The org's credits moved: data planes enforce them through its spend floor.
  context.snapshotChanged({ spendOf: [input.orgId] });
  return added;
}
