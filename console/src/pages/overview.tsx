// Spend, requests and tokens per UTC day over the last 7, 30 or 90 days, stacked by model (or provider,
// user, key), from the control plane's usage summary; the org's balance beside it for those who may see money.
// Members without the org-wide usage permission see their own requests. Below the chart: spend against
// limits (overview-limits.tsx) and speed per model over the same period (overview-latency.tsx). Refreshes every few seconds, so
// a request just made shows up without a reload.
import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { Chart, type ChartOption } from '../components/chart.tsx';
import { Segmented } from '../components/segmented.tsx';
import { Empty, ErrorNote, Loading } from '../components/status.tsx';
import { formatCount, formatMicros } from '../format.ts';
import { trpc, type RouterOutputs } from '../trpc.ts';
import { LatencySection } from './overview-latency.tsx';
import { LimitsSection } from './overview-limits.tsx';
import { memberMay, type PageProps } from './page-props.ts';

/** By the number of days, as the radio buttons' values. */
const periods = { '7': 'Last 7 days', '30': 'Last 30 days', '90': 'Last 90 days' } as const;
type Period = keyof typeof periods;
const REFRESH_MS = 5_000;
const dimensions = { model: 'Model', provider: 'Provider', user: 'User', key: 'API key' } as const;
type Dimension = keyof typeof dimensions;
/** A member sees only their own requests: there is no one else to stack by. */
const ownDimensions = { model: dimensions.model, provider: dimensions.provider, key: dimensions.key };
const metrics = { spend: 'Spend', requests: 'Requests', tokens: 'Tokens' } as const;
type Metric = keyof typeof metrics;
type UsageGroup = RouterOutputs['billing']['usage']['groups'][number];

/** [from, to) covering today (UTC) and the count - 1 days before it (whole days: the server sums them from its daily table), and each day's `YYYY-MM-DD`. */
function lastDays(count: number): { from: Date; to: Date; days: string[] } {
  const to = new Date();
  to.setUTCHours(24, 0, 0, 0);
  const from = new Date(to.getTime() - count * 86_400_000);
  const days = Array.from({ length: count }, (_, index) => new Date(from.getTime() + index * 86_400_000).toISOString().slice(0, 10));
  return { from, to, days };
}

function groupLabel(group: UsageGroup, dimension: Dimension): string {
  if (dimension === 'model') return group.model ?? 'unknown model';
  if (dimension === 'provider') return group.providerSlug ?? group.providerId ?? 'unknown provider';
  if (dimension === 'user') return group.userEmail ?? group.userId ?? 'unknown user';
  return group.apiKeyName ?? group.apiKeyId ?? 'unknown key';
}

function metricValue(group: UsageGroup, metric: Metric): number {
  if (metric === 'spend') return (group.billedCostMicros + group.byokCostMicros) / 1_000_000;
  if (metric === 'requests') return group.requests;
  return group.promptTokens + group.completionTokens;
}

export function OverviewPage({ org }: PageProps) {
  const wholeOrg = memberMay(org, 'usage.read');
  const [dimension, setDimension] = useState<Dimension>('model');
  const [metric, setMetric] = useState<Metric>('spend');
  const [period, setPeriod] = useState<Period>('30');
  const range = useMemo(() => lastDays(Number(period)), [period]);
  const orgId = org?.orgId ?? '';
  const usage = useQuery({
    queryKey: ['usage', orgId, wholeOrg, dimension, range.from.getTime()],
    queryFn: () => {
      const input = { orgId, from: range.from, to: range.to, groupBy: ['day' as const, dimension] };
      return wholeOrg ? trpc.billing.usage.query(input) : trpc.billing.myUsage.query(input);
    },
    enabled: org !== null,
    refetchInterval: REFRESH_MS,
  });
  const balance = useQuery({
    queryKey: ['balance', orgId],
    queryFn: () => trpc.billing.balance.query({ orgId }),
    enabled: memberMay(org, 'billing.read'),
    refetchInterval: REFRESH_MS,
  });

  const option = useMemo<ChartOption | null>(() => {
    if (!usage.data) return null;
    const series = new Map<string, number[]>();
    for (const group of usage.data.groups) {
      const label = groupLabel(group, dimension);
      const values = series.get(label) ?? new Array<number>(range.days.length).fill(0);
      const index = range.days.indexOf(group.day ?? '');
      if (index >= 0) values[index] = (values[index] ?? 0) + metricValue(group, metric);
      series.set(label, values);
    }
    return {
      tooltip: { trigger: 'axis', valueFormatter: (value) => (metric === 'spend' ? `$${Number(value).toFixed(6)}` : formatCount(Number(value))) },
      legend: { type: 'scroll', bottom: 0 },
      grid: { left: 8, right: 8, top: 16, bottom: 40, containLabel: true },
      xAxis: { type: 'category', data: range.days.map((day) => day.slice(5)) },
      yAxis: { type: 'value' },
      series: [...series].map(([name, data]) => ({ name, type: 'bar', stack: 'usage', data })),
    } as ChartOption;
  }, [usage.data, dimension, metric, range]);

  if (!org) return <Empty>You belong to no organization yet. Ask an owner for an invitation.</Empty>;
  const today = range.days.at(-1);
  const periodName = periods[period].toLowerCase();
  const todaySpend = usage.data?.groups.filter((group) => group.day === today).reduce((sum, group) => sum + group.billedCostMicros, 0) ?? 0;
  const totals = usage.data?.totals;

  return (
    <section aria-labelledby="overview-title">
      <h1 id="overview-title">Overview</h1>
      <p className="muted">
        {wholeOrg ? `All requests in ${org.orgName}` : `Your requests in ${org.orgName}`}, the {periodName} (UTC).
      </p>
      <ErrorNote error={usage.error ?? balance.error} />
      <dl className="cards" aria-label="Totals">
        <div>
          <dt>Requests</dt>
          <dd data-testid="total-requests">{totals ? formatCount(totals.requests) : '…'}</dd>
        </div>
        <div>
          <dt>Spend</dt>
          <dd data-testid="total-spend">{totals ? formatMicros(totals.billedCostMicros) : '…'}</dd>
        </div>
        <div>
          <dt>Tokens</dt>
          <dd>{totals ? formatCount(totals.promptTokens + totals.completionTokens) : '…'}</dd>
        </div>
        <div>
          <dt>Spend today</dt>
          <dd>{usage.data ? formatMicros(todaySpend) : '…'}</dd>
        </div>
        {balance.data ? (
          <div>
            <dt>Balance</dt>
            <dd data-testid="balance">{formatMicros(balance.data.balanceMicros)}</dd>
          </div>
        ) : null}
      </dl>
      <div className="toolbar">
        <Segmented legend="Period" name="period" choices={periods} value={period} onChange={setPeriod} />
        <Segmented legend="Show" name="metric" choices={metrics} value={metric} onChange={setMetric} />
        <Segmented legend="Stacked by" name="dimension" choices={wholeOrg ? dimensions : ownDimensions} value={dimension} onChange={setDimension} />
      </div>
      {usage.isPending ? <Loading what="usage" /> : null}
      {usage.data && usage.data.groups.length === 0 ? <Empty>No requests in the {periodName}. Create a key on the API keys page and send one.</Empty> : null}
      {option && usage.data && usage.data.groups.length > 0 ? (
        <Chart option={option} label={`${metrics[metric]} per day over the ${periodName}, stacked by ${dimensions[dimension].toLowerCase()}`} />
      ) : null}
      <LimitsSection orgId={orgId} />
      <LatencySection orgId={orgId} from={range.from} to={range.to} periodName={periodName} />
    </section>
  );
}
