// Ledger entries as billing reads them: one org, optionally one kind, newest first, in pages. The cursor
// is the last row's id, as in the audit log; the (org_id, id) and (org_id, kind, id) indexes make every
// page an index range scan, however many usage debits the org has.
import { z } from 'zod';
import type { LedgerEntry } from '../../../generated/prisma/client.ts';
import { belowCursor, pageById, type IdPage } from '../id-pages.ts';
import { parseInput } from '../input-schemas.ts';
import { authorizeOrgAction } from '../org-access.ts';
import type { ServiceContext } from '../service-context.ts';
import { ledgerKinds } from './billing-vocabulary.ts';

export const listLedgerEntriesInputSchema = z.object({
  orgId: z.string(),
  kind: z.enum(ledgerKinds).optional(),
  /** nextCursor of the previous page. */
  cursor: z.string().regex(/^\d+$/).optional(),
  limit: z.number().int().min(1).max(500).default(50),
});

export interface LedgerEntryView {
  id: string;
  kind: (typeof ledgerKinds)[number];
  /** Signed integer microdollars: credits positive, debits negative. */
  amountMicros: number;
  /** The request a usage debit charges; null for other kinds. */
  usageRequestId: string | null;
  note: string | null;
  createdAt: Date;
}

export type LedgerPage = IdPage<LedgerEntryView>;

export async function listLedgerEntries(context: ServiceContext, rawInput: z.input<typeof listLedgerEntriesInputSchema>): Promise<LedgerPage> {
  const input = parseInput(listLedgerEntriesInputSchema, rawInput, 'input');
  await authorizeOrgAction(context, input.orgId, 'billing.read');
  return pageById(
    input.limit,
    (take) =>
      context.prisma.ledgerEntry.findMany({ where: { orgId: input.orgId, kind: input.kind, id: belowCursor(input.cursor) }, orderBy: { id: 'desc' }, take }),
    toLedgerEntryView,
  );
}

export function toLedgerEntryView(row: LedgerEntry): LedgerEntryView {
  return {
    id: String(row.id),
    kind: row.kind,
    amountMicros: Number(row.amountMicros),
    usageRequestId: row.usageRequestId,
    note: row.note,
    createdAt: row.createdAt,
  };
}
