// The audit log of the organization: who did what to which thing, newest first, filtered by action,
// actor and dates, a page at a time. Owners and admins read it.
import { useInfiniteQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Field } from '../components/field.tsx';
import { Empty, ErrorNote, Loading } from '../components/status.tsx';
import { formatTime } from '../format.ts';
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
  const log = useInfiniteQuery({
    queryKey: ['audit', orgId, filters],
    queryFn: ({ pageParam }) => trpc.audit.list.query({ orgId, ...filters, cursor: pageParam ?? undefined, limit: 50 }),
    initialPageParam: null as string | null,
    getNextPageParam: (page) => page.nextCursor,
    enabled: org !== null,
  });
  const entries = log.data?.pages.flatMap((page) => page.entries) ?? [];
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setFilters({
      action: action.trim() || undefined,
      actor: actor.trim() || undefined,
      since: since ? new Date(`${since}T00:00:00Z`) : undefined,
      until: until ? new Date(new Date(`${until}T00:00:00Z`).getTime() + 86_400_000) : undefined,
    });
  };
  if (!org) return <Empty>You belong to no organization yet.</Empty>;
  return (
    <section aria-labelledby="audit-title">
      <h1 id="audit-title">Audit log</h1>
      <form className="panel" onSubmit={submit} aria-label="Filter the audit log">
        <div className="grid-fields">
          <Field label="Action" placeholder="e.g. api-key.create" value={action} onChange={(event) => setAction(event.target.value)} />
          <Field label="Actor" placeholder="e.g. user:<id>" value={actor} onChange={(event) => setActor(event.target.value)} />
          <Field label="Since (UTC)" type="date" value={since} onChange={(event) => setSince(event.target.value)} />
          <Field label="Until (UTC, inclusive)" type="date" value={until} onChange={(event) => setUntil(event.target.value)} />
        </div>
        <button type="submit">Apply filters</button>
      </form>
      {log.isPending ? <Loading what="the audit log" /> : null}
      <ErrorNote error={log.error} />
      {log.data && entries.length === 0 ? <Empty>No entries match.</Empty> : null}
      {entries.length > 0 ? (
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Actor</th>
                <th scope="col">Action</th>
                <th scope="col">Target</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((entry) => (
                <tr key={entry.id}>
                  <td>{formatTime(entry.at)}</td>
                  <td>
                    <code>{entry.actor}</code>
                  </td>
                  <td>{entry.action}</td>
                  <td>
                    <code>{entry.target}</code>
                  </td>
                  <td>
                    <code className="details-json">{JSON.stringify(entry.details)}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {log.hasNextPage ? (
        <p>
          <button type="button" className="secondary" onClick={() => void log.fetchNextPage()} disabled={log.isFetchingNextPage}>
            Older entries
          </button>
        </p>
      ) : null}
    </section>
  );
}
