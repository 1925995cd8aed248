// The request log: every request's record, newest first, filtered by user, key, model, outcome, request
// id and time, loaded a page at a time (keyset pages: "Older requests" continues where the last page
// ended). Choosing a row shows all of its record. Owners, admins and billing see the organization's
// requests; others their own.
import { useQuery } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { Field, SelectField } from '../components/field.tsx';
import { FilterForm } from '../components/form-panel.tsx';
import { Empty, ListStatus, LoadMore } from '../components/status.tsx';
import { Table } from '../components/table.tsx';
import { endOfUtcDay, formatCount, formatMicros, formatMilliseconds, formatTime, startOfUtcDay } from '../format.ts';
import { useKeysetPages } from '../keyset-pages.ts';
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
  const { query: log, items: rows } = useKeysetPages({
    queryKey: ['requests', orgId, filters],
    fetchPage: (cursor) => trpc.requests.list.query({ orgId, ...filters, cursor, limit: PAGE_SIZE }),
    items: (page) => page.rows,
    enabled: org !== null,
  });

  if (!org) return <Empty>You belong to no organization yet.</Empty>;
  return (
    <section aria-labelledby="requests-title">
      <h1 id="requests-title">Requests</h1>
      <p className="muted">{wholeOrg ? `Every request in ${org.orgName}` : `Your requests in ${org.orgName}`}, newest first.</p>
      <RequestFilters org={org} onApply={setFilters} />
      <ListStatus query={log} count={rows.length} what="requests" empty="No requests match." />
      {rows.length > 0 ? (
        <Table
          rows={rows}
          rowKey={(row) => row.id}
          caption={`${formatCount(rows.length)} ${rows.length === 1 ? 'request' : 'requests'} shown`}
          rowClassName={(row) => (selected?.id === row.id ? 'selected' : undefined)}
          columns={[
            {
              header: 'Time',
              cell: (row) => (
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
              ),
            },
            { header: 'Model', cell: (row) => row.requestedModel },
            { header: 'Provider', cell: (row) => row.providerSlug ?? row.providerId },
            { header: 'Status', cell: (row) => row.status, className: (row) => (row.status >= 400 ? 'error' : undefined) },
            { header: 'Tokens in / out', cell: (row) => `${formatCount(row.promptTokens)} / ${formatCount(row.completionTokens)}` },
            { header: 'Cost', cell: (row) => formatMicros(row.costMicros) },
            { header: 'TTFT', cell: (row) => formatMilliseconds(row.ttftMs) },
            { header: 'Latency', cell: (row) => formatMilliseconds(row.totalLatencyMs) },
            { header: 'Key', cell: (row) => row.apiKeyName ?? row.apiKeyId },
            wholeOrg && { header: 'User', cell: (row) => row.userEmail ?? row.userId },
            { header: 'Request id', cell: (row) => <code>{row.requestId}</code> },
          ]}
        />
      ) : null}
      <LoadMore query={log} label="Older requests">
        <button type="button" className="secondary" onClick={() => void log.refetch()} disabled={log.isFetching}>
          Refresh
        </button>
      </LoadMore>
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

function RequestFilters({ org, onApply }: { org: NonNullable<PageProps['org']>; onApply: (filters: Filters) => void }) {
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
  const apply = () =>
    onApply({
      userId: userId || undefined,
      apiKeyId: apiKeyId || undefined,
      model: model.trim() || undefined,
      outcome: outcome === 'ok' || outcome === 'error' ? outcome : undefined,
      requestId: requestId.trim() || undefined,
      from: startOfUtcDay(from),
      to: endOfUtcDay(to),
    });
  return (
    <FilterForm label="Filter requests" onApply={apply}>
      {wholeOrg ? (
        <SelectField
          label="User"
          value={userId}
          onChange={(event) => setUserId(event.target.value)}
          choices={[{ value: '', label: 'Everyone' }, ...(members.data?.map((member) => ({ value: member.userId, label: member.email })) ?? [])]}
        />
      ) : null}
      {mayListKeys ? (
        <SelectField
          label="API key"
          value={apiKeyId}
          onChange={(event) => setApiKeyId(event.target.value)}
          choices={[{ value: '', label: 'Any key' }, ...(keys.data?.map((key) => ({ value: key.id, label: `${key.name} (…${key.last4})` })) ?? [])]}
        />
      ) : null}
      <Field label="Model" placeholder="e.g. openai/gpt-4o" value={model} onChange={(event) => setModel(event.target.value)} />
      <SelectField
        label="Outcome"
        value={outcome}
        onChange={(event) => setOutcome(event.target.value)}
        choices={[
          { value: '', label: 'Any' },
          { value: 'ok', label: 'Succeeded' },
          { value: 'error', label: 'Failed' },
        ]}
      />
      <Field label="Request id" hint="The x-request-id header of the answer" value={requestId} onChange={(event) => setRequestId(event.target.value)} />
      <Field label="From (UTC)" type="date" value={from} onChange={(event) => setFrom(event.target.value)} />
      <Field label="To (UTC, inclusive)" type="date" value={to} onChange={(event) => setTo(event.target.value)} />
    </FilterForm>
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
