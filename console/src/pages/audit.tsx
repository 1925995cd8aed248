// The audit log of the organization: who did what to which thing, newest first, filtered by action,
// actor and dates, a page at a time. Owners and admins read it.
import { useState } from 'react';
import { Field } from '../components/field.tsx';
import { FilterForm } from '../components/form-panel.tsx';
import { Empty, ListStatus, LoadMore } from '../components/status.tsx';
import { Table } from '../components/table.tsx';
import { endOfUtcDay, formatTime, startOfUtcDay } from '../format.ts';
import { useKeysetPages } from '../keyset-pages.ts';
import { trpc, type RouterInputs } from '../trpc.ts';
import type { PageProps } from './page-props.ts';

type Filters = Pick<RouterInputs['audit']['list'], 'action' | 'actor' | 'since' | 'until'>;

export function AuditPage({ org }: PageProps) {
  const orgId = org?.orgId ?? '';
  const [filters, setFilters] = useState<Filters>({});
  const [action, setAction] = useState('');
  const [actor, setActor] = useState('');
  const [since, setSince] = useState('');
  const [until, setUntil] = useState('');
  const { query: log, items: entries } = useKeysetPages({
    queryKey: ['audit', orgId, filters],
    fetchPage: (cursor) => trpc.audit.list.query({ orgId, ...filters, cursor, limit: 50 }),
    items: (page) => page.entries,
    enabled: org !== null,
  });
  const apply = () =>
    setFilters({ action: action.trim() || undefined, actor: actor.trim() || undefined, since: startOfUtcDay(since), until: endOfUtcDay(until) });
  if (!org) return <Empty>You belong to no organization yet.</Empty>;
  return (
    <section aria-labelledby="audit-title">
      <h1 id="audit-title">Audit log</h1>
      <FilterForm label="Filter the audit log" onApply={apply}>
        <Field label="Action" placeholder="e.g. api-key.create" value={action} onChange={(event) => setAction(event.target.value)} />
        <Field label="Actor" placeholder="e.g. user:<id>" value={actor} onChange={(event) => setActor(event.target.value)} />
        <Field label="Since (UTC)" type="date" value={since} onChange={(event) => setSince(event.target.value)} />
        <Field label="Until (UTC, inclusive)" type="date" value={until} onChange={(event) => setUntil(event.target.value)} />
      </FilterForm>
      <ListStatus query={log} count={entries.length} what="the audit log" empty="No entries match." />
      {entries.length > 0 ? (
        <Table
          rows={entries}
          rowKey={(entry) => String(entry.id)}
          columns={[
            { header: 'When', cell: (entry) => formatTime(entry.at) },
            { header: 'Actor', cell: (entry) => <code>{entry.actor}</code> },
            { header: 'Action', cell: (entry) => entry.action },
            { header: 'Target', cell: (entry) => <code>{entry.target}</code> },
            { header: 'Details', cell: (entry) => <code className="details-json">{JSON.stringify(entry.details)}</code> },
          ]}
        />
      ) : null}
      <LoadMore query={log} label="Older entries" />
    </section>
  );
}
