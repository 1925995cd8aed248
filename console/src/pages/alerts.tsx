// Budget alerts of the open organization (owners and admins): the thresholds, in percent of each limit
// (the balance's credits, each member's daily limit, each key's budget windows), and the webhook the
// control plane calls when spend crosses one; its signing secret is shown once, when it is made. Below, the
// webhook's delivery log: each alert sent, its attempts and how the receiver answered.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Check, Field } from '../components/field.tsx';
import { CopyableSecret } from '../components/copy-link.tsx';
import { FormPanel, formFailure } from '../components/form-panel.tsx';
import { Empty, ListStatus, Loading } from '../components/status.tsx';
import { Table } from '../components/table.tsx';
import { formatMicros, formatTime } from '../format.ts';
import { InputError, trpc, type RouterOutputs } from '../trpc.ts';
import type { PageProps } from './page-props.ts';

type AlertSettings = RouterOutputs['alerts']['get'];
type Delivery = RouterOutputs['alerts']['deliveries'][number];

/** What an alert's payload says (services/budget-alerts.ts), read defensively: it is stored JSON. */
interface AlertEvent {
  subject?: string;
  threshold_percent?: number;
  used_micros?: number;
  limit_micros?: number;
}

/** "50, 80, 100" → [50, 80, 100]; throws InputError naming the thresholds when a part is not a whole percent. */
function parseThresholds(text: string): number[] {
  const parts = text
    .split(/[,\s]+/)
    .map((part) => part.replace(/%$/, ''))
    .filter(Boolean);
  if (parts.some((part) => !/^\d{1,4}$/.test(part))) throw new InputError('thresholds', 'write whole percentages separated by commas, e.g. 50, 80, 100');
  return parts.map(Number);
}

export function AlertsPage({ org }: PageProps) {
  const orgId = org?.orgId ?? '';
  const settings = useQuery({ queryKey: ['alerts', orgId], queryFn: () => trpc.alerts.get.query({ orgId }), enabled: org !== null });
  const deliveries = useQuery({
    queryKey: ['alerts', orgId, 'deliveries'],
    queryFn: () => trpc.alerts.deliveries.query({ orgId, limit: 50 }),
    enabled: org !== null,
    refetchInterval: 5_000,
  });
  if (!org) return <Empty>You belong to no organization yet.</Empty>;
  return (
    <section aria-labelledby="alerts-title">
      <h1 id="alerts-title">Budget alerts</h1>
      <p className="muted">
        When spend crosses a threshold of the balance, a member&apos;s daily limit or a key&apos;s budget, the gateway writes an audit entry and, with a
        webhook, sends it there: a signed JSON POST, retried with backoff.
      </p>
      {settings.isPending ? <Loading what="the alert settings" /> : null}
      {settings.data ? <AlertsForm key={orgId} orgId={orgId} saved={settings.data} /> : null}
      <h2>Webhook deliveries</h2>
      <ListStatus query={deliveries} count={deliveries.data?.length ?? 0} what="deliveries" empty="No alert has been sent yet." />
      {deliveries.data && deliveries.data.length > 0 ? <DeliveryTable orgId={orgId} deliveries={deliveries.data} /> : null}
    </section>
  );
}

function AlertsForm({ orgId, saved }: { orgId: string; saved: AlertSettings }) {
  const queryClient = useQueryClient();
  const [thresholds, setThresholds] = useState(saved.thresholds.join(', '));
  const [webhookUrl, setWebhookUrl] = useState(saved.webhookUrl ?? '');
  const [rotateSecret, setRotateSecret] = useState(false);
  const save = useMutation({
    mutationFn: () => trpc.alerts.set.mutate({ orgId, thresholds: parseThresholds(thresholds), webhookUrl: webhookUrl.trim() || null, rotateSecret }),
    onSuccess: (answer) => {
      setThresholds(answer.thresholds.join(', '));
      setRotateSecret(false);
      queryClient.setQueryData(['alerts', orgId], { orgId, thresholds: answer.thresholds, webhookUrl: answer.webhookUrl });
    },
  });
  const failure = formFailure(save.error, ['thresholds', 'webhookUrl']);
  return (
    <FormPanel
      title="Thresholds and webhook"
      mutation={save}
      failure={failure}
      button={['Save alerts', 'Saving…']}
      after={
        save.data ? (
          save.data.webhookSecret ? (
            <div className="notice-inline" role="region" aria-label="Webhook signing secret">
              <p>Saved. The webhook&apos;s signing secret, shown only now: receivers check the x-gateway-signature header with it.</p>
              <CopyableSecret value={save.data.webhookSecret} testId="webhook-secret" />
            </div>
          ) : (
            <p role="status">Saved.</p>
          )
        ) : null
      }
    >
      <Field
        label="Thresholds in percent"
        hint="Comma-separated, e.g. 50, 80, 100; empty = no alerts"
        value={thresholds}
        onChange={(event) => setThresholds(event.target.value)}
        error={failure.blame('thresholds')}
      />
      <Field
        label="Webhook URL (optional)"
        type="url"
        hint="Empty = audit entries only"
        placeholder="https://example.com/gateway-alerts"
        value={webhookUrl}
        onChange={(event) => setWebhookUrl(event.target.value)}
        error={failure.blame('webhookUrl')}
      />
      {saved.webhookUrl ? <Check label="Make a new signing secret" checked={rotateSecret} onChange={setRotateSecret} /> : null}
    </FormPanel>
  );
}

/** An alert's subject in words: 'balance', 'user-daily:<user id>' or 'key-<period>:<key id>' (services/budget-alerts.ts). */
function useSubjectNames(orgId: string): (subject: string | undefined) => string {
  const keys = useQuery({ queryKey: ['apiKeys', orgId], queryFn: () => trpc.apiKeys.list.query({ orgId }) });
  const members = useQuery({ queryKey: ['members', orgId], queryFn: () => trpc.members.list.query({ orgId }) });
  return (subject) => {
    if (subject === undefined) return '—';
    if (subject === 'balance') return 'Organization balance';
    const [kind = '', id = ''] = subject.split(':');
    if (kind === 'user-daily') return `Daily limit of ${members.data?.find((member) => member.userId === id)?.email ?? id}`;
    const period = /^key-(daily|weekly|monthly)$/.exec(kind)?.[1];
    if (period) return `Key “${keys.data?.find((key) => key.id === id)?.name ?? id}”, ${period} budget`;
    return subject;
  };
}

function DeliveryTable({ orgId, deliveries }: { orgId: string; deliveries: Delivery[] }) {
  const eventOf = (delivery: Delivery) => (delivery.payload ?? {}) as AlertEvent;
  const subjectName = useSubjectNames(orgId);
  return (
    <Table
      rows={deliveries}
      rowKey={(delivery) => delivery.id}
      columns={[
        { header: 'Created', rowHeader: true, cell: (delivery) => formatTime(delivery.createdAt) },
        { header: 'Limit', cell: (delivery) => subjectName(eventOf(delivery).subject) },
        {
          header: 'Crossed',
          cell: (delivery) => {
            const event = eventOf(delivery);
            if (event.threshold_percent === undefined) return '—';
            const amounts =
              event.used_micros !== undefined && event.limit_micros !== undefined
                ? ` (${formatMicros(event.used_micros)} of ${formatMicros(event.limit_micros)})`
                : '';
            return `${event.threshold_percent} %${amounts}`;
          },
        },
        { header: 'State', cell: (delivery) => delivery.status },
        { header: 'Attempts', cell: (delivery) => delivery.attempts },
        { header: 'Last answer', cell: (delivery) => (delivery.lastStatusCode === null ? (delivery.lastError ?? '—') : `HTTP ${delivery.lastStatusCode}`) },
        { header: 'Delivered', cell: (delivery) => formatTime(delivery.deliveredAt) },
        { header: 'URL', cell: (delivery) => <code>{delivery.url}</code> },
      ]}
    />
  );
}
