// The only writer of organizations.balance_micros (and of usage_debited_micros, the running total of
// usage debits the data planes' spend counters use as a floor): every balance change is a ledger entry,
// and the totals move by the entry's amount in the same transaction. Usage ingest writes its debit
// entries in the statement that stores the usage rows and moves the totals here (moveOrgTotals).
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
  await moveOrgTotals(transaction, entries);
}

/**
 * Moves the organizations' totals by entries written in this transaction: appendLedgerEntries', or usage
 * ingest's debits, which its one statement inserts with the usage rows they charge (usage-ingest.ts).
 */
export async function moveOrgTotals(
  transaction: Prisma.TransactionClient,
  entries: readonly Pick<LedgerEntryInput, 'orgId' | 'kind' | 'amountMicros'>[],
): Promise<void> {
  if (entries.length === 0) return;
  const totals = new Map<string, { balance: bigint; usageDebited: bigint }>();
  for (const entry of entries) {
    const total = totals.get(entry.orgId) ?? { balance: 0n, usageDebited: 0n };
    total.balance += entry.amountMicros;
    if (entry.kind === 'usage') total.usageDebited -= entry.amountMicros;
    totals.set(entry.orgId, total);
  }
  // Two statements for any number of orgs (an ingest batch touches hundreds; one UPDATE each kept a batch's
  // transaction past its timeout under load). The rows are locked first in id order, so concurrent
  // transactions take them in the same order and cannot deadlock; then one UPDATE moves them all.
  const ids = [...totals.keys()].sort();
  await transaction.$queryRaw`SELECT 1 FROM "organizations" WHERE "id" = ANY(${ids}::text[]) ORDER BY "id" FOR NO KEY UPDATE`;
  const moves = JSON.stringify([...totals].map(([id, total]) => ({ id, balance: String(total.balance), debited: String(total.usageDebited) })));
  await transaction.$executeRaw`
    UPDATE "organizations" AS "org"
    SET "balance_micros" = "org"."balance_micros" + "move"."balance", "usage_debited_micros" = "org"."usage_debited_micros" + "move"."debited"
    FROM jsonb_to_recordset(${moves}::jsonb) AS "move"("id" TEXT, "balance" BIGINT, "debited" BIGINT)
    WHERE "org"."id" = "move"."id"`;
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
