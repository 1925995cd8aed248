import { addLedgerEntry, addLedgerEntryInputSchema } from '../../services/billing/add-ledger-entry.ts';
import { getBalance, getBalanceInputSchema } from '../../services/billing/get-balance.ts';
import { listLedgerEntries, listLedgerEntriesInputSchema } from '../../services/billing/list-ledger-entries.ts';
import { getSpendingLimits, getSpendingLimitsInputSchema } from '../../services/billing/spending-limits.ts';
import { summarizeOwnUsage, summarizeUsage, summarizeUsageInputSchema } from '../../services/billing/summarize-usage.ts';
import { adminProcedure, router } from '../init.ts';

export const billingRouter = router({
  balance: adminProcedure.input(getBalanceInputSchema).query(({ ctx, input }) => getBalance(ctx.service, input)),
  ledger: adminProcedure.input(listLedgerEntriesInputSchema).query(({ ctx, input }) => listLedgerEntries(ctx.service, input)),
  usage: adminProcedure.input(summarizeUsageInputSchema).query(({ ctx, input }) => summarizeUsage(ctx.service, input)),
  myUsage: adminProcedure.input(summarizeUsageInputSchema).query(({ ctx, input }) => summarizeOwnUsage(ctx.service, input)),
  /** The balance, the caller's daily limit and the budgeted keys' windows, with what was spent against each. */
  limits: adminProcedure.input(getSpendingLimitsInputSchema).query(({ ctx, input }) => getSpendingLimits(ctx.service, input)),
  addLedgerEntry: adminProcedure.input(addLedgerEntryInputSchema).mutation(({ ctx, input }) => addLedgerEntry(ctx.service, input)),
});
