// Billing: the organization's balance and its ledger (grants, purchases, usage debits, adjustments),
// newest first, a page at a time, optionally of one kind. Platform admins add credits here; an
// organization's own admins never can (the server refuses them regardless).
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Field, SelectField } from '../components/field.tsx';
import { FormPanel, formFailure } from '../components/form-panel.tsx';
import { Empty, ErrorNote, ListStatus, LoadMore } from '../components/status.tsx';
import { Table } from '../components/table.tsx';
import { formatMicros, formatTime, parseDollars } from '../format.ts';
import { useKeysetPages } from '../keyset-pages.ts';
import { InputError, trpc, type RouterInputs } from '../trpc.ts';
import type { PageProps } from './page-props.ts';

type Kind = NonNullable<RouterInputs['billing']['ledger']['kind']>;
const kinds: Kind[] = ['grant', 'purchase', 'usage', 'adjustment'];
const creditKinds = ['grant', 'purchase', 'adjustment'] as const;

export function BillingPage({ org, user }: PageProps) {
  const orgId = org?.orgId ?? '';
  const [kind, setKind] = useState<Kind | ''>('');
  const balance = useQuery({ queryKey: ['balance', orgId], queryFn: () => trpc.billing.balance.query({ orgId }), enabled: org !== null });
  const { query: ledger, items: entries } = useKeysetPages({
    queryKey: ['ledger', orgId, kind],
    fetchPage: (cursor) => trpc.billing.ledger.query({ orgId, kind: kind || undefined, cursor, limit: 50 }),
    items: (page) => page.entries,
    enabled: org !== null,
  });
  if (!org) return <Empty>You belong to no organization yet.</Empty>;
  return (
    <section aria-labelledby="billing-title">
      <h1 id="billing-title">Billing</h1>
      <dl className="cards" aria-label="Balance">
        <div>
          <dt>Balance</dt>
          <dd data-testid="billing-balance">{balance.data ? formatMicros(balance.data.balanceMicros) : '…'}</dd>
        </div>
      </dl>
      <ErrorNote error={balance.error} />
      {user.isPlatformAdmin ? <CreditForm orgId={orgId} /> : null}
      <h2>Ledger</h2>
      <SelectField
        label="Kind"
        className="narrow"
        value={kind}
        onChange={(event) => setKind(event.target.value as Kind | '')}
        choices={[{ value: '', label: 'All' }, ...kinds]}
      />
      <ListStatus query={ledger} count={entries.length} what="the ledger" empty="No ledger entries." />
      {entries.length > 0 ? (
        <Table
          rows={entries}
          rowKey={(entry) => String(entry.id)}
          columns={[
            { header: 'When', cell: (entry) => formatTime(entry.createdAt) },
            { header: 'Kind', cell: (entry) => entry.kind },
            { header: 'Amount', cell: (entry) => formatMicros(entry.amountMicros), className: (entry) => (entry.amountMicros < 0 ? 'error' : undefined) },
            { header: 'Note or request', cell: (entry) => entry.note ?? (entry.usageRequestId ? <code>{entry.usageRequestId}</code> : '—') },
          ]}
        />
      ) : null}
      <LoadMore query={ledger} label="Older entries" />
    </section>
  );
}

function CreditForm({ orgId }: { orgId: string }) {
  const queryClient = useQueryClient();
  const [kind, setKind] = useState<(typeof creditKinds)[number]>('grant');
  const [amount, setAmount] = useState('');
  const [note, setNote] = useState('');
  const add = useMutation({
    mutationFn: () => {
      const negative = amount.trim().startsWith('-');
      const micros = parseDollars(negative ? amount.trim().slice(1) : amount);
      if (micros === null || Number.isNaN(micros)) throw new InputError('amountMicros', 'write the amount in dollars, e.g. 25 or -3.50 (adjustments only)');
      return trpc.billing.addLedgerEntry.mutate({ orgId, kind, amountMicros: negative ? -micros : micros, note: note.trim() || undefined });
    },
    onSuccess: () => {
      setAmount('');
      setNote('');
      void queryClient.invalidateQueries({ queryKey: ['balance', orgId] });
      void queryClient.invalidateQueries({ queryKey: ['ledger', orgId] });
    },
  });
  const failure = formFailure(add.error, ['amountMicros', 'note']);
  return (
    <FormPanel title="Add credit (platform)" mutation={add} failure={failure} button={['Add to the ledger', 'Adding…']} done={add.isSuccess ? 'Added' : null}>
      <SelectField label="Kind" value={kind} onChange={(event) => setKind(event.target.value as (typeof creditKinds)[number])} choices={creditKinds} />
      <Field
        label="Amount in dollars"
        inputMode="decimal"
        required
        value={amount}
        onChange={(event) => setAmount(event.target.value)}
        hint="Adjustments may be negative"
        error={failure.blame('amountMicros')}
      />
      <Field label="Note" value={note} onChange={(event) => setNote(event.target.value)} hint="Required for adjustments" error={failure.blame('note')} />
    </FormPanel>
  );
}
