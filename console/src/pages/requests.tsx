// The request log: every request's record, newest first, filtered by user, key, model, outcome, request
// id and time, loaded a page at a time (keyset pages: "Older requests" continues where the last page
// ended). Choosing a row shows all of its record. Owners, admins and billing see the organization's
// requests; others their own.
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useRef, useState, type FormEvent } from 'react';
import { Field } from '../components/field.tsx';
import { Empty, ErrorNote, Loading } from '../components/status.tsx';
import { formatCount, formatMicros, formatMilliseconds, formatTime } from '../format.ts';
import { trpc, type RouterInputs, type RouterOutputs } from '../trpc.ts';
import { memberMay, type PageProps } from './page-props.ts';

type Filters = Omit<RouterInputs['requests']['list'], 'orgId' | 'cursor' | 'limit'>;
type RequestRow = RouterOutputs['requests']['list']['rows'][number];
const PAGE_SIZE = 50;

export function RequestsPage({ org }: PageProps) {
  const orgId = org?.orgId ?? '';
  const wholeOrg = memberMay(org, 'usage.read');
  const [filters, setFilters] = useState<Filters>({});
  const [selected, setSelected] = useState<RequestRow | null>(null);
  const details = useRef<HTMLElement>(null);
  const log = useInfiniteQuery({
    queryKey: ['requests', orgId, filters],
    queryFn: ({ pageParam }) => trpc.requests.list.query({ orgId, ...filters, cursor: pageParam ?? undefined, limit: PAGE_SIZE }),
    initialPageParam: null as string | null,
    getNextPageParam: (page) => page.nextCursor,
    enabled: org !== null,
  });
  const rows = log.data?.pages.flatMap((page) => page.rows) ?? [];

  if (!org) return <Empty>You belong to no organization yet.</Empty>;
  return (
    <section aria-labelledby="requests-title">
      <h1 id="requests-title">Requests</h1>
      <p className="muted">{wholeOrg ? `Every request in ${org.orgName}` : `Your requests in ${org.orgName}`}, newest first.</p>
      <FilterForm org={org} onApply={setFilters} />
      {log.isPending ? <Loading what="requests" /> : null}
      <ErrorNote error={log.error} />
      {log.data && rows.length === 0 ? <Empty>No requests match.</Empty> : null}
      {rows.length > 0 ? (
        <div className="table-scroll">
          <table>
            <caption className="muted">
              {formatCount(rows.length)} {rows.length === 1 ? 'request' : 'requests'} shown
            </caption>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Model</th>
                <th scope="col">Provider</th>
                <th scope="col">Status</th>
                <th scope="col">Tokens in / out</th>
                <th scope="col">Cost</th>
                <th scope="col">TTFT</th>
                <th scope="col">Latency</th>
                <th scope="col">Key</th>
                {wholeOrg ? <th scope="col">User</th> : null}
                <th scope="col">Request id</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.id} className={selected?.id === row.id ? 'selected' : undefined}>
                  <td>
                    <button
                      type="button"
                      className="link"
                      onClick={() => {
                        setSelected(row);
                        requestAnimationFrame(() => details.current?.focus());
                      }}
                    >
                      {formatTime(row.startedAt)}
                    </button>
                  </td>
                  <td>{row.requestedModel}</td>
                  <td>{row.providerSlug ?? row.providerId}</td>
                  <td className={row.status >= 400 ? 'error' : undefined}>{row.status}</td>
                  <td>
                    {formatCount(row.promptTokens)} / {formatCount(row.completionTokens)}
                  </td>
                  <td>{formatMicros(row.costMicros)}</td>
                  <td>{formatMilliseconds(row.ttftMs)}</td>
                  <td>{formatMilliseconds(row.totalLatencyMs)}</td>
                  <td>{row.apiKeyName ?? row.apiKeyId}</td>
                  {wholeOrg ? <td>{row.userEmail ?? row.userId}</td> : null}
                  <td>
                    <code>{row.requestId}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <p className="actions">
        {log.hasNextPage ? (
          <button type="button" className="secondary" onClick={() => void log.fetchNextPage()} disabled={log.isFetchingNextPage}>
            {log.isFetchingNextPage ? 'Loading…' : 'Older requests'}
          </button>
        ) : null}
        <button type="button" className="secondary" onClick={() => void log.refetch()} disabled={log.isFetching}>
          Refresh
        </button>
      </p>
      {selected ? (
        <section ref={details} tabIndex={-1} className="panel" aria-labelledby="request-details-title">
          <h2 id="request-details-title">Request {selected.requestId}</h2>
          <RequestDetails row={selected} />
          <button type="button" className="secondary" onClick={() => setSelected(null)}>
            Close
          </button>
        </section>
      ) : null}
    </section>
  );
}

function FilterForm({ org, onApply }: { org: NonNullable<PageProps['org']>; onApply: (filters: Filters) => void }) {
  const { orgId } = org;
  const wholeOrg = memberMay(org, 'usage.read');
  const members = useQuery({ queryKey: ['members', orgId], queryFn: () => trpc.members.list.query({ orgId }), enabled: wholeOrg });
  // Billing reads usage but not keys: it filters by user instead.
  const mayListKeys = memberMay(org, 'apiKey.read');
  const keys = useQuery({ queryKey: ['apiKeys', orgId], queryFn: () => trpc.apiKeys.list.query({ orgId }), enabled: mayListKeys });
  const [userId, setUserId] = useState('');
  const [apiKeyId, setApiKeyId] = useState('');
  const [model, setModel] = useState('');
  const [outcome, setOutcome] = useState('');
  const [requestId, setRequestId] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onApply({
      userId: userId || undefined,
      apiKeyId: apiKeyId || undefined,
      model: model.trim() || undefined,
      outcome: outcome === 'ok' || outcome === 'error' ? outcome : undefined,
      requestId: requestId.trim() || undefined,
      from: from ? new Date(`${from}T00:00:00Z`) : undefined,
      // The whole of the last day chosen.
      to: to ? new Date(new Date(`${to}T00:00:00Z`).getTime() + 86_400_000) : undefined,
    });
  };
  return (
    <form className="panel" onSubmit={submit} aria-label="Filter requests">
      <div className="grid-fields">
        {wholeOrg ? (
          <div className="field">
            <label htmlFor="filter-user">User</label>
            <select id="filter-user" value={userId} onChange={(event) => setUserId(event.target.value)}>
              <option value="">Everyone</option>
              {members.data?.map((member) => (
                <option key={member.userId} value={member.userId}>
                  {member.email}
                </option>
              ))}
            </select>
          </div>
        ) : null}
        {mayListKeys ? (
          <div className="field">
            <label htmlFor="filter-key">API key</label>
            <select id="filter-key" value={apiKeyId} onChange={(event) => setApiKeyId(event.target.value)}>
              <option value="">Any key</option>
              {keys.data?.map((key) => (
                <option key={key.id} value={key.id}>
                  {key.name} (…{key.last4})
                </option>
              ))}
            </select>
          </div>
        ) : null}
        <Field label="Model" placeholder="e.g. openai/gpt-4o" value={model} onChange={(event) => setModel(event.target.value)} />
        <div className="field">
          <label htmlFor="filter-outcome">Outcome</label>
          <select id="filter-outcome" value={outcome} onChange={(event) => setOutcome(event.target.value)}>
            <option value="">Any</option>
            <option value="ok">Succeeded</option>
            <option value="error">Failed</option>
          </select>
        </div>
        <Field label="Request id" hint="The x-request-id header of the answer" value={requestId} onChange={(event) => setRequestId(event.target.value)} />
        <Field label="From (UTC)" type="date" value={from} onChange={(event) => setFrom(event.target.value)} />
        <Field label="To (UTC, inclusive)" type="date" value={to} onChange={(event) => setTo(event.target.value)} />
      </div>
      <button type="submit">Apply filters</button>
    </form>
  );
}

function RequestDetails({ row }: { row: RequestRow }) {
  const entries: [string, string][] = [
    ['Request id (x-request-id)', row.requestId],
    ['Started', formatTime(row.startedAt)],
    ['Finished', formatTime(row.finishedAt)],
    ['User', row.userEmail ?? row.userId],
    ['API key', row.apiKeyName ?? row.apiKeyId],
    ['Model asked for', row.requestedModel],
    ['Model served', row.servedModel],
    ['Provider', `${row.providerSlug ?? row.providerId}${row.byok ? ' (your own key, BYOK)' : ''}`],
    ['Status', `${row.status}${row.errorCode ? ` (${row.errorCode})` : ''}`],
    ['Finish reason', row.finishReason ?? '—'],
    ['Streamed', row.streamed ? 'yes' : 'no'],
    ['Prompt tokens', formatCount(row.promptTokens)],
    ['Completion tokens', formatCount(row.completionTokens)],
    ['Cache read / write tokens', `${formatCount(row.cacheReadTokens)} / ${formatCount(row.cacheWriteTokens)}`],
    ['Reasoning tokens', formatCount(row.reasoningTokens)],
    ['Token counts', row.usageEstimated ? 'estimated (the provider reported none)' : 'as the provider reported them'],
    ['Cost', formatMicros(row.costMicros)],
    ['Upstream cost', row.upstreamCostMicros === null ? '—' : formatMicros(row.upstreamCostMicros)],
    ['Time to first token', formatMilliseconds(row.ttftMs)],
    ['Upstream latency', formatMilliseconds(row.upstreamLatencyMs)],
    ['Total latency', formatMilliseconds(row.totalLatencyMs)],
  ];
  return (
    <dl className="details">
      {entries.map(([term, value]) => (
        <div key={term}>
          <dt>{term}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}
