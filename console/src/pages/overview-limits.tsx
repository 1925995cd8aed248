// The overview's limits: the org's balance (for those who see money), the signed-in member's daily limit
// and each budgeted key's windows, each with what was spent in it and when it starts over. A meter per
// limit, so a glance says how close each is; the numbers beside it say exactly.
import { useQuery } from '@tanstack/react-query';
import { ErrorNote, Loading } from '../components/status.tsx';
import { formatMicros, formatTime } from '../format.ts';
import { trpc } from '../trpc.ts';

const REFRESH_MS = 5_000;
const periodNames = { daily: 'today', weekly: 'this week', monthly: 'this month' } as const;

export function LimitsSection({ orgId }: { orgId: string }) {
  const limits = useQuery({ queryKey: ['limits', orgId], queryFn: () => trpc.billing.limits.query({ orgId }), refetchInterval: REFRESH_MS });
  return (
    <section aria-labelledby="limits-title">
      <h2 id="limits-title">Spend against limits</h2>
      {limits.isPending ? <Loading what="limits" /> : null}
      <ErrorNote error={limits.error} />
      {limits.data ? (
        <ul className="limits">
          {limits.data.balanceMicros === null ? null : (
            <li>
              <span className="limit-name">Organization balance</span>
              <span aria-hidden="true" />
              <strong data-testid="limits-balance">{formatMicros(limits.data.balanceMicros)}</strong>
              <span className="muted">{limits.data.balanceMicros < 0 ? 'requests are refused until credit is added' : 'left to spend'}</span>
            </li>
          )}
          {limits.data.member ? (
            <LimitRow
              name="Your daily limit"
              testId="limits-member"
              spentMicros={limits.data.member.spentMicros}
              limitMicros={limits.data.member.limitMicros}
              resetsAt={limits.data.member.resetsAt}
            />
          ) : null}
          {limits.data.keys.flatMap((key) =>
            key.windows.map((window) => (
              <LimitRow
                key={`${key.apiKeyId}-${window.period}`}
                name={`Key “${key.name}” ${periodNames[window.period]}${key.timeZone === 'UTC' ? '' : ` (${key.timeZone})`}`}
                spentMicros={window.spentMicros}
                limitMicros={window.limitMicros}
                resetsAt={window.resetsAt}
              />
            )),
          )}
        </ul>
      ) : null}
      {limits.data && limits.data.keys.length === 0 ? <p className="muted">No key has a budget; set one when creating a key.</p> : null}
    </section>
  );
}

function LimitRow({
  name,
  testId,
  spentMicros,
  limitMicros,
  resetsAt,
}: {
  name: string;
  testId?: string;
  spentMicros: number;
  limitMicros: number | null;
  resetsAt: string;
}) {
  const resets = `resets ${formatTime(resetsAt)}`;
  return (
    <li data-testid={testId}>
      <span className="limit-name">{name}</span>
      {limitMicros === null ? (
        <>
          <span aria-hidden="true" />
          <strong>{formatMicros(spentMicros)} spent</strong>
          <span className="muted">no limit · {resets}</span>
        </>
      ) : (
        <>
          <meter min={0} max={limitMicros} high={limitMicros * 0.8} optimum={0} value={Math.min(spentMicros, limitMicros)} aria-label={name} />
          <strong>
            {formatMicros(spentMicros)} of {formatMicros(limitMicros)}
          </strong>
          <span className="muted">{resets}</span>
        </>
      )}
    </li>
  );
}
