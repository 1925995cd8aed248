// Budget alerts on the GraphQL face, the same services as tRPC's alerts router (owners and admins).
import { getBudgetAlerts, listWebhookDeliveries, setBudgetAlerts, type BudgetAlertsView } from '../../services/budget-alerts.ts';
import { builder } from '../builder.ts';
import { actorField } from '../actor-field.ts';

type WebhookDeliveryView = Awaited<ReturnType<typeof listWebhookDeliveries>>[number];

const BudgetAlertsType = builder.objectRef<BudgetAlertsView>('BudgetAlerts').implement({
  fields: (t) => ({
    orgId: t.exposeID('orgId'),
    thresholds: t.exposeIntList('thresholds', { description: "Percent of the balance, a member's daily limit or a key's budget window, ascending." }),
    webhookUrl: t.exposeString('webhookUrl', { nullable: true, description: 'Called with each crossing; null = audit rows only.' }),
    webhookSecret: t.string({
      nullable: true,
      description: 'The HMAC-SHA256 signing secret (whsec_…), only in the answer that created it: a new URL or rotateSecret.',
      resolve: (alerts) => alerts.webhookSecret ?? null,
    }),
  }),
});

const WebhookDeliveryType = builder.objectRef<WebhookDeliveryView>('WebhookDelivery').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    url: t.exposeString('url'),
    payload: t.expose('payload', { type: 'JSON', description: 'The JSON body sent (type budget.threshold_crossed).' }),
    status: t.exposeString('status', { description: '`pending`, `delivered` or `failed` (attempts exhausted).' }),
    attempts: t.exposeInt('attempts'),
    nextAttemptAt: t.expose('nextAttemptAt', { type: 'DateTime' }),
    lastStatusCode: t.exposeInt('lastStatusCode', { nullable: true }),
    lastError: t.exposeString('lastError', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    deliveredAt: t.expose('deliveredAt', { type: 'DateTime', nullable: true }),
  }),
});

actorField('query', 'budgetAlerts', {
  type: BudgetAlertsType,
  description: "The org's alert thresholds and webhook (never its secret).",
  args: builder.args((t) => ({ orgId: t.id({ required: true }) })),
  call: getBudgetAlerts,
});

actorField('query', 'webhookDeliveries', {
  type: [WebhookDeliveryType],
  description: "The org's webhook delivery log, newest first.",
  args: builder.args((t) => ({ orgId: t.id({ required: true }), limit: t.int({ required: false, description: '1 to 200, default 50.' }) })),
  call: listWebhookDeliveries,
});

actorField('mutation', 'setBudgetAlerts', {
  type: BudgetAlertsType,
  description: 'Replaces the thresholds and the webhook (null: none). The answer shows a new signing secret once.',
  args: builder.args((t) => ({
    orgId: t.id({ required: true }),
    thresholds: t.intList({ required: true, description: 'Percentages, e.g. [50, 80, 100]; empty = no alerts.' }),
    webhookUrl: t.string({ required: false }),
    rotateSecret: t.boolean({ required: false, description: 'A new signing secret even if the URL did not change.' }),
  })),
  call: (actor, input) => setBudgetAlerts(actor, { ...input, webhookUrl: input.webhookUrl ?? null }),
});
