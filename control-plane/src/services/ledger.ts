// The only writer of organizations.balance_micros: every balance change is a ledger entry, and the
// balance moves by the entry's amount in the same transaction.
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
  const deltas = new Map<string, bigint>();
  for (const entry of entries) deltas.set(entry.orgId, (deltas.get(entry.orgId) ?? 0n) + entry.amountMicros);
  // Sorted so concurrent transactions lock organization rows in the same order and cannot deadlock.
  for (const [orgId, delta] of [...deltas].sort(([a], [b]) => (a < b ? -1 : 1))) {
    await transaction.organization.update({ where: { id: orgId }, data: { balanceMicros: { increment: delta } } });
  }
}

/** One entry, returned as stored (an admin's grant, purchase or adjustment). */
export async function appendLedgerEntry(transaction: Prisma.TransactionClient, entry: LedgerEntryInput): Promise<LedgerEntry> {
  const created = await transaction.ledgerEntry.create({
    data: { orgId: entry.orgId, kind: entry.kind, amountMicros: entry.amountMicros, usageRequestId: entry.usageRequestId ?? null, note: entry.note ?? null },
  });
  await transaction.organization.update({ where: { id: entry.orgId }, data: { balanceMicros: { increment: entry.amountMicros } } });
  return created;
}
