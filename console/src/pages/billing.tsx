// Billing: the organization's balance and its ledger (grants, purchases, usage debits, adjustments),
// newest first, a page at a time, optionally of one kind. Platform admins add credits here; an
// organization's own admins never can (the server refuses them regardless).
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Field } from '../components/field.tsx';
import { Empty, ErrorNote, Loading } from '../components/status.tsx';
import { formatMicros, formatTime, parseDollars } from '../format.ts';
import { describeError, trpc, type RouterInputs } from '../trpc.ts';
import type { PageProps } from './page-props.ts';

type Kind = NonNullable<RouterInputs['billing']['ledger']['kind']>;
const kinds: Kind[] = ['grant', 'purchase', 'usage', 'adjustment'];
const creditKinds = ['grant', 'purchase', 'adjustment'] as const;

export function BillingPage({ org, user }: PageProps) {
  const orgId = org?.orgId ?? '';
  const [kind, setKind] = useState<Kind | ''>('');
  const balance = useQuery({ queryKey: ['balance', orgId], queryFn: () => trpc.billing.balance.query({ orgId }), enabled: org !== null });
  const ledger = useInfiniteQuery({
    queryKey: ['ledger', orgId, kind],
    queryFn: ({ pageParam }) => trpc.billing.ledger.query({ orgId, kind: kind || undefined, cursor: pageParam ?? undefined, limit: 50 }),
    initialPageParam: null as string | null,
    getNextPageParam: (page) => page.nextCursor,
    enabled: org !== null,
  });
  const entries = ledger.data?.pages.flatMap((page) => page.entries) ?? [];
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
      <div className="field narrow">
        <label htmlFor="ledger-kind">Kind</label>
        <select id="ledger-kind" value={kind} onChange={(event) => setKind(event.target.value as Kind | '')}>
          <option value="">All</option>
          {kinds.map((candidate) => (
            <option key={candidate} value={candidate}>
              {candidate}
            </option>
          ))}
        </select>
      </div>
      {ledger.isPending ? <Loading what="the ledger" /> : null}
      <ErrorNote error={ledger.error} />
      {ledger.data && entries.length === 0 ? <Empty>No ledger entries.</Empty> : null}
      {entries.length > 0 ? (
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Kind</th>
                <th scope="col">Amount</th>
                <th scope="col">Note or request</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((entry) => (
                <tr key={entry.id}>
                  <td>{formatTime(entry.createdAt)}</td>
                  <td>{entry.kind}</td>
                  <td className={entry.amountMicros < 0 ? 'error' : undefined}>{formatMicros(entry.amountMicros)}</td>
                  <td>{entry.note ?? (entry.usageRequestId ? <code>{entry.usageRequestId}</code> : '—')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {ledger.hasNextPage ? (
        <p>
          <button type="button" className="secondary" onClick={() => void ledger.fetchNextPage()} disabled={ledger.isFetchingNextPage}>
            Older entries
          </button>
        </p>
      ) : null}
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
      if (micros === null || Number.isNaN(micros)) throw new Error('write the amount in dollars, e.g. 25 or -3.50 (adjustments only)');
      return trpc.billing.addLedgerEntry.mutate({ orgId, kind, amountMicros: negative ? -micros : micros, note: note.trim() || undefined });
    },
    onSuccess: () => {
      setAmount('');
      setNote('');
      void queryClient.invalidateQueries({ queryKey: ['balance', orgId] });
      void queryClient.invalidateQueries({ queryKey: ['ledger', orgId] });
    },
  });
  const failure = add.error ? describeError(add.error) : null;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    add.mutate();
  };
  return (
    <form className="panel" onSubmit={submit} aria-labelledby="credit-title">
      <h2 id="credit-title">Add credit (platform)</h2>
      <div className="grid-fields">
        <div className="field">
          <label htmlFor="credit-kind">Kind</label>
          <select id="credit-kind" value={kind} onChange={(event) => setKind(event.target.value as (typeof creditKinds)[number])}>
            {creditKinds.map((candidate) => (
              <option key={candidate} value={candidate}>
                {candidate}
              </option>
            ))}
          </select>
        </div>
        <Field
          label="Amount in dollars"
          inputMode="decimal"
          required
          value={amount}
          onChange={(event) => setAmount(event.target.value)}
          hint="Adjustments may be negative"
          error={failure?.param === 'amountMicros' ? failure.message : failure && failure.param === null ? failure.message : null}
        />
        <Field
          label="Note"
          value={note}
          onChange={(event) => setNote(event.target.value)}
          hint="Required for adjustments"
          error={failure?.param === 'note' ? failure.message : null}
        />
      </div>
      {failure && failure.param !== null && failure.param !== 'amountMicros' && failure.param !== 'note' ? (
        <p className="error" role="alert">
          {failure.message}
        </p>
      ) : null}
      <button type="submit" disabled={add.isPending}>
        {add.isPending ? 'Adding…' : 'Add to the ledger'}
      </button>
      <span role="status">{add.isSuccess ? ' Added' : ''}</span>
    </form>
  );
}
