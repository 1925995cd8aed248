// Ledger entries as billing reads them: one org, optionally one kind, newest first, in pages. The cursor
// is the last row's id, as in the audit log; the (org_id, id) and (org_id, kind, id) indexes make every
// page an index range scan, however many usage debits the org has.
import { z } from 'zod';
import type { LedgerEntry } from '../../../generated/prisma/client.ts';
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

export interface LedgerPage {
  entries: LedgerEntryView[];
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

export async function listLedgerEntries(context: ServiceContext, rawInput: z.input<typeof listLedgerEntriesInputSchema>): Promise<LedgerPage> {
  const input = parseInput(listLedgerEntriesInputSchema, rawInput, 'input');
  await authorizeOrgAction(context, input.orgId, 'billing.read');
  const rows = await context.prisma.ledgerEntry.findMany({
    where: { orgId: input.orgId, kind: input.kind, id: input.cursor === undefined ? undefined : { lt: BigInt(input.cursor) } },
    orderBy: { id: 'desc' },
    // One more than asked tells whether another page exists.
    take: input.limit + 1,
  });
  const page = rows.slice(0, input.limit);
  return { entries: page.map(toLedgerEntryView), nextCursor: rows.length > input.limit ? String(page[page.length - 1]?.id) : null };
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
