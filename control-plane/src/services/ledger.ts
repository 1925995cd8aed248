// The only writer of organizations.balance_micros (and of usage_debited_micros, the running total of
// usage debits the data planes' spend counters use as a floor): every balance change is a ledger entry,
// and the totals move by the entry's amount in the same transaction.
import type { LedgerEntry, LedgerKind, Prisma } from '../../generated/prisma/client.ts';

export interface LedgerEntryInput {
  orgId: string;
  kind: LedgerKind;
  /** Signed microdollars: credits positive, debits negative. */
  amountMicros: bigint;
  usageRequestId?: string | null;
  note?: string | null;
}

export async function appendLedgerEntries(transaction: Prisma.TransactionClient, entries: LedgerEntryInput[]): Promise<void> {
  if (entries.length === 0) return;
  await transaction.ledgerEntry.createMany({
    data: entries.map((entry) => ({
      orgId: entry.orgId,
      kind: entry.kind,
      amountMicros: entry.amountMicros,
      usageRequestId: entry.usageRequestId ?? null,
      note: entry.note ?? null,
    })),
  });
  const deltas = new Map<string, LedgerEntryInput[]>();
  for (const entry of entries) deltas.set(entry.orgId, [...(deltas.get(entry.orgId) ?? []), entry]);
  // Sorted so concurrent transactions lock organization rows in the same order and cannot deadlock.
  for (const [orgId, orgEntries] of [...deltas].sort(([a], [b]) => (a < b ? -1 : 1))) {
    await transaction.organization.update({ where: { id: orgId }, data: totalsMovedBy(orgEntries) });
  }
}

/** How an org's balance and usage-debited total move by its entries. */
function totalsMovedBy(entries: readonly LedgerEntryInput[]): Prisma.OrganizationUpdateInput {
  let balance = 0n;
  let usageDebited = 0n;
  for (const entry of entries) {
    balance += entry.amountMicros;
    if (entry.kind === 'usage') usageDebited -= entry.amountMicros;
  }
  return { balanceMicros: { increment: balance }, usageDebitedMicros: { increment: usageDebited } };
}

/** One entry, returned as stored (an admin's grant, purchase or adjustment). */
export async function appendLedgerEntry(transaction: Prisma.TransactionClient, entry: LedgerEntryInput): Promise<LedgerEntry> {
  const created = await transaction.ledgerEntry.create({
    data: { orgId: entry.orgId, kind: entry.kind, amountMicros: entry.amountMicros, usageRequestId: entry.usageRequestId ?? null, note: entry.note ?? null },
  });
  await transaction.organization.update({ where: { id: entry.orgId }, data: totalsMovedBy([entry]) });
  return created;
}
