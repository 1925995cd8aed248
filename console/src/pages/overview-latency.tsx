// The overview's speed table: per model, the median and 95th percentile of the time to the first token and
// of the whole latency over the overview's period (its latest requests when there are very many), computed
// by the control plane's database. Answered requests only; a model whose requests never streamed has no
// first-token time.
import { useQuery } from '@tanstack/react-query';
import { ListStatus } from '../components/status.tsx';
import { Table } from '../components/table.tsx';
import { formatCount, formatMilliseconds } from '../format.ts';
import { trpc } from '../trpc.ts';

const REFRESH_MS = 5_000;

/** `periodName` says what [from, to) is, e.g. "last 7 days". */
export function LatencySection({ orgId, from, to, periodName }: { orgId: string; from: Date; to: Date; periodName: string }) {
  const latency = useQuery({
    queryKey: ['latency', orgId, from.getTime()],
    queryFn: () => trpc.requests.latency.query({ orgId, from, to }),
    refetchInterval: REFRESH_MS,
  });
  const models = latency.data?.models ?? [];
  // Past the server's sample, the figures are of the latest requests only, and the caption says how many.
  const counted = latency.data?.sampled
    ? `the latest ${formatCount(models.reduce((sum, model) => sum + model.requests, 0))} answered requests`
    : 'the answered requests';
  return (
    <section aria-labelledby="latency-title">
      <h2 id="latency-title">Speed per model</h2>
      <ListStatus query={latency} count={models.length} what="latency" empty={`No answered requests in the ${periodName}.`} />
      {models.length > 0 ? (
        <Table
          rows={models}
          rowKey={(model) => model.model}
          caption={`Time to first token (streamed answers) and whole latency, median and 95th percentile, of ${counted} of the ${periodName}`}
          columns={[
            { header: 'Model', rowHeader: true, cell: (model) => <code>{model.model}</code> },
            { header: 'Requests', cell: (model) => formatCount(model.requests) },
            { header: 'TTFT p50', cell: (model) => formatMilliseconds(model.ttftP50Ms) },
            { header: 'TTFT p95', cell: (model) => formatMilliseconds(model.ttftP95Ms) },
            { header: 'Latency p50', cell: (model) => formatMilliseconds(model.latencyP50Ms) },
            { header: 'Latency p95', cell: (model) => formatMilliseconds(model.latencyP95Ms) },
          ]}
        />
      ) : null}
    </section>
  );
}
