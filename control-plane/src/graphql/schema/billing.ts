import { addLedgerEntry, type AddedLedgerEntry } from '../../services/billing/add-ledger-entry.ts';
import { getBalance, type BalanceView } from '../../services/billing/get-balance.ts';
import { ledgerCreditKinds, ledgerKinds, usageDimensions } from '../../services/billing/billing-vocabulary.ts';
import { listLedgerEntries, type LedgerEntryView, type LedgerPage } from '../../services/billing/list-ledger-entries.ts';
import { summarizeOwnUsage, summarizeUsage, type UsageGroup, type UsageSummary, type UsageTotals } from '../../services/billing/summarize-usage.ts';
import { builder } from '../builder.ts';
import { actorField } from '../actor-field.ts';

const LedgerKindEnum = builder.enumType('LedgerKind', { values: ledgerKinds });
const LedgerCreditKindEnum = builder.enumType('LedgerCreditKind', { values: ledgerCreditKinds });
const UsageDimensionEnum = builder.enumType('UsageDimension', { values: usageDimensions });

const BalanceType = builder.objectRef<BalanceView>('Balance').implement({
  fields: (t) => ({
    orgId: t.exposeID('orgId'),
    balanceMicros: t.expose('balanceMicros', { type: 'SignedMicros' }),
  }),
});

const LedgerEntryType = builder.objectRef<LedgerEntryView>('LedgerEntry').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    kind: t.field({ type: LedgerKindEnum, resolve: (entry) => entry.kind }),
    amountMicros: t.expose('amountMicros', { type: 'SignedMicros', description: 'Credits positive, debits negative.' }),
    usageRequestId: t.exposeString('usageRequestId', { nullable: true }),
    note: t.exposeString('note', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const LedgerPageType = builder.objectRef<LedgerPage>('LedgerPage').implement({
  fields: (t) => ({
    entries: t.field({ type: [LedgerEntryType], resolve: (page) => page.entries }),
    nextCursor: t.exposeString('nextCursor', { nullable: true }),
  }),
});

const AddedLedgerEntryType = builder.objectRef<AddedLedgerEntry>('AddedLedgerEntry').implement({
  fields: (t) => ({
    entry: t.field({ type: LedgerEntryType, resolve: (added) => added.entry }),
    balanceMicros: t.expose('balanceMicros', { type: 'SignedMicros' }),
  }),
});

const UsageTotalsType = builder.objectRef<UsageTotals>('UsageTotals').implement({
  fields: (t) => ({
    requests: t.expose('requests', { type: 'Count' }),
    promptTokens: t.expose('promptTokens', { type: 'Count' }),
    completionTokens: t.expose('completionTokens', { type: 'Count' }),
    cacheReadTokens: t.expose('cacheReadTokens', { type: 'Count' }),
    cacheWriteTokens: t.expose('cacheWriteTokens', { type: 'Count' }),
    reasoningTokens: t.expose('reasoningTokens', { type: 'Count' }),
    billedCostMicros: t.expose('billedCostMicros', { type: 'Micros', description: "Requests on the platform's provider keys: what the ledger debited." }),
    byokCostMicros: t.expose('byokCostMicros', { type: 'Micros', description: 'Upstream cost of BYOK requests: recorded, never debited.' }),
  }),
});

const UsageGroupType = builder.objectRef<UsageGroup>('UsageGroup').implement({
  description: 'Totals of one group; the dimensions not grouped by are null.',
  fields: (t) => ({
    day: t.exposeString('day', { nullable: true, description: 'UTC day the requests started, `YYYY-MM-DD`.' }),
    model: t.exposeString('model', { nullable: true, description: 'The model id the client asked for.' }),
    providerId: t.exposeID('providerId', { nullable: true }),
    providerSlug: t.exposeString('providerSlug', { nullable: true }),
    userId: t.exposeID('userId', { nullable: true }),
    userEmail: t.exposeString('userEmail', { nullable: true }),
    apiKeyId: t.exposeID('apiKeyId', { nullable: true }),
    apiKeyName: t.exposeString('apiKeyName', { nullable: true }),
    totals: t.field({ type: UsageTotalsType, resolve: (group) => group }),
  }),
});

const UsageSummaryType = builder.objectRef<UsageSummary>('UsageSummary').implement({
  fields: (t) => ({
    orgId: t.exposeID('orgId'),
    from: t.expose('from', { type: 'DateTime' }),
    to: t.expose('to', { type: 'DateTime' }),
    groupBy: t.field({ type: [UsageDimensionEnum], resolve: (summary) => summary.groupBy }),
    totals: t.field({ type: UsageTotalsType, resolve: (summary) => summary.totals }),
    groups: t.field({ type: [UsageGroupType], resolve: (summary) => summary.groups }),
  }),
});

actorField('query', 'balance', {
  type: BalanceType,
  args: builder.args((t) => ({ orgId: t.id({ required: true }) })),
  call: getBalance,
});

actorField('query', 'ledgerEntries', {
  type: LedgerPageType,
  description: "The org's ledger, newest first.",
  args: builder.args((t) => ({
    orgId: t.id({ required: true }),
    kind: t.field({ type: LedgerKindEnum, required: false }),
    cursor: t.string({ required: false }),
    limit: t.int({ required: false }),
  })),
  call: listLedgerEntries,
});

for (const [name, summarize, description] of [
  ['usageSummary', summarizeUsage, "The org's usage over [from, to), grouped by the dimensions asked for."],
  ['myUsage', summarizeOwnUsage, "The caller's own usage in the org over [from, to), grouped by the dimensions asked for."],
] as const) {
  actorField('query', name, {
    type: UsageSummaryType,
    description,
    args: builder.args((t) => ({
      orgId: t.id({ required: true }),
      from: t.field({ type: 'DateTime', required: true }),
      to: t.field({ type: 'DateTime', required: true, description: 'Exclusive.' }),
      groupBy: t.field({ type: [UsageDimensionEnum], required: false }),
    })),
    call: summarize,
  });
}

actorField('mutation', 'addLedgerEntry', {
  type: AddedLedgerEntryType,
  description: 'A grant, purchase or adjustment (platform admins only).',
  args: builder.args((t) => ({
    orgId: t.id({ required: true }),
    kind: t.field({ type: LedgerCreditKindEnum, required: true }),
    amountMicros: t.field({ type: 'SignedMicros', required: true }),
    note: t.string({ required: false }),
  })),
  call: addLedgerEntry,
});
