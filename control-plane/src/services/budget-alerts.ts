// Budget alerts (issue 15, item 3): an org names thresholds (percent of a limit); when ingested spend
// crosses one, once per subject and window, an audit row is written and, if the org set a webhook, a
// delivery is logged and sent, signed with HMAC-SHA256 and retried with exponential backoff. Computed on
// the control plane from the spend floors that usage ingest refreshes (spend-floor-publisher.ts), never
// on the data planes' request path. Subjects: the balance (spent / credits; a new credits total is a new
// window), each member's daily limit (today, UTC), each budgeted key's windows (as the data planes count
// them). Several control plane replicas may check the same floors: the firing's unique row decides once.
import { createHmac, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { OrgSpendFloor } from '../../../shared/src/spend-floors.ts';
import type { Prisma, PrismaClient } from '../../generated/prisma/client.ts';
import { recordAudit } from './audit.ts';
import { checkProviderBaseUrl } from './check-provider-base-url.ts';
import { parseInput } from './input-schemas.ts';
import { authorizeOrgAction } from './org-access.ts';
import type { ServiceContext } from './service-context.ts';

export const WEBHOOK_SIGNATURE_HEADER = 'x-gateway-signature';
/** Attempts before a delivery is marked failed: 1 s, 2 s, 4 s … apart (retryBaseMs doubling). */
export const MAX_DELIVERY_ATTEMPTS = 6;
const DELIVERY_TIMEOUT_MS = 10_000;

export const setBudgetAlertsInputSchema = z.object({
  orgId: z.string(),
  /** Percentages, e.g. [50, 80, 100]; empty = no alerts. */
  thresholds: z.array(z.number().int().min(1).max(1000)).max(10),
  /** null = audit rows only. */
  webhookUrl: z.url({ protocol: /^https?$/ }).nullable(),
  /** A new signing secret even if the URL did not change. */
  rotateSecret: z.boolean().default(false),
});

export type SetBudgetAlertsInput = z.input<typeof setBudgetAlertsInputSchema>;

export interface BudgetAlertsView {
  orgId: string;
  thresholds: number[];
  webhookUrl: string | null;
  /** The signing secret, only in the answer that created it. */
  webhookSecret?: string;
}

export async function getBudgetAlerts(context: ServiceContext, input: { orgId: string }): Promise<BudgetAlertsView> {
  await authorizeOrgAction(context, input.orgId, 'alerts.manage');
  const row = await context.prisma.orgAlertConfig.findUnique({ where: { orgId: input.orgId } });
  return { orgId: input.orgId, thresholds: row?.thresholds ?? [], webhookUrl: row?.webhookUrl ?? null };
}

export async function setBudgetAlerts(context: ServiceContext, rawInput: SetBudgetAlertsInput): Promise<BudgetAlertsView> {
  const input = parseInput(setBudgetAlertsInputSchema, rawInput, 'input');
  await authorizeOrgAction(context, input.orgId, 'alerts.manage');
  // The control plane calls the URL: no inward targets unless private upstreams are allowed.
  if (input.webhookUrl !== null) {
    await checkProviderBaseUrl(input.webhookUrl, { allowPrivate: context.allowPrivateUpstreams === true, param: 'webhookUrl' });
  }
  const thresholds = [...new Set(input.thresholds)].sort((left, right) => left - right);
  return context.prisma.$transaction(async (transaction) => {
    const existing = await transaction.orgAlertConfig.findUnique({ where: { orgId: input.orgId } });
    const newSecret = input.webhookUrl !== null && (input.rotateSecret || existing?.webhookUrl !== input.webhookUrl || !existing?.webhookSecret);
    const secret = input.webhookUrl === null ? null : newSecret ? `whsec_${randomBytes(24).toString('base64url')}` : (existing?.webhookSecret ?? null);
    const fields = { thresholds, webhookUrl: input.webhookUrl, webhookSecret: secret };
    await transaction.orgAlertConfig.upsert({ where: { orgId: input.orgId }, create: { orgId: input.orgId, ...fields }, update: fields });
    await recordAudit(transaction, context.actor, {
      action: 'budget-alerts.update',
      target: `org:${input.orgId}`,
      orgId: input.orgId,
      details: { thresholds, webhookUrl: input.webhookUrl, secretRotated: newSecret },
    });
    return { orgId: input.orgId, thresholds, webhookUrl: input.webhookUrl, ...(newSecret && secret !== null ? { webhookSecret: secret } : {}) };
  });
}

/** The org's webhook delivery log, newest first. */
export async function listWebhookDeliveries(context: ServiceContext, input: { orgId: string; limit?: number }) {
  await authorizeOrgAction(context, input.orgId, 'alerts.manage');
  return context.prisma.webhookDelivery.findMany({
    where: { orgId: input.orgId },
    orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
    take: Math.min(Math.max(input.limit ?? 50, 1), 200),
  });
}

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, as Stripe signs its webhooks. */
export function signWebhook(secret: string, body: string, unixSeconds: number): string {
  return `t=${unixSeconds},v1=${createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex')}`;
}

interface Crossing {
  subject: string;
  window: string;
  threshold: number;
  usedMicros: number;
  limitMicros: number;
}

export interface BudgetAlertsOptions {
  prisma: PrismaClient;
  log: (line: string) => void;
  /** First retry delay; doubles with each attempt. Default 1000 ms. */
  retryBaseMs?: number;
  /** How often due deliveries are looked for. Default 1000 ms. */
  pollMs?: number;
}

export interface BudgetAlerts {
  /** The floors usage ingest just refreshed: records and schedules the crossings they show. */
  check(floors: ReadonlyMap<string, OrgSpendFloor>): Promise<void>;
  /** Sends the deliveries that are due (also run by a timer). */
  deliverDue(): Promise<void>;
  close(): Promise<void>;
}

export function createBudgetAlerts(options: BudgetAlertsOptions): BudgetAlerts {
  const { prisma, log } = options;
  const retryBaseMs = options.retryBaseMs ?? 1_000;
  let delivering: Promise<void> | null = null;
  let closed = false;
  const timer = setInterval(() => void deliverDue(), options.pollMs ?? 1_000);
  timer.unref();

  function deliverDue(): Promise<void> {
    if (closed) return Promise.resolve();
    delivering ??= sendDue()
      .catch((error: unknown) => log(`budget alerts: delivering webhooks failed: ${String(error)}`))
      .finally(() => {
        delivering = null;
      });
    return delivering;
  }

  async function sendDue(): Promise<void> {
    const due = await prisma.webhookDelivery.findMany({
      where: { status: 'pending', nextAttemptAt: { lte: new Date() } },
      orderBy: { nextAttemptAt: 'asc' },
      take: 20,
    });
    await Promise.all(due.map((delivery) => attempt(delivery)));
  }

  async function attempt(delivery: { id: string; orgId: string; url: string; payload: Prisma.JsonValue; attempts: number }): Promise<void> {
    const attempts = delivery.attempts + 1;
    const backoffMs = retryBaseMs * 2 ** (attempts - 1);
    // Claimed by moving its next attempt past this one: another replica (or a crash) does not send it twice at once.
    const claimed = await prisma.webhookDelivery.updateMany({
      where: { id: delivery.id, status: 'pending', attempts: delivery.attempts },
      data: { attempts, nextAttemptAt: new Date(Date.now() + Math.max(backoffMs, DELIVERY_TIMEOUT_MS)) },
    });
    if (claimed.count === 0) return;
    const config = await prisma.orgAlertConfig.findUnique({ where: { orgId: delivery.orgId } });
    const body = JSON.stringify(delivery.payload);
    let statusCode: number | null = null;
    let error: string | null = null;
    try {
      const response = await fetch(delivery.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'ai-gateway-webhooks',
          'x-gateway-webhook-id': delivery.id,
          [WEBHOOK_SIGNATURE_HEADER]: signWebhook(config?.webhookSecret ?? '', body, Math.floor(Date.now() / 1000)),
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
      });
      statusCode = response.status;
      await response.body?.cancel();
      if (!response.ok) error = `HTTP ${response.status}`;
    } catch (caught) {
      error = caught instanceof Error ? caught.message : String(caught);
    }
    const delivered = error === null;
    await prisma.webhookDelivery.update({
      where: { id: delivery.id },
      data: {
        status: delivered ? 'delivered' : attempts >= MAX_DELIVERY_ATTEMPTS ? 'failed' : 'pending',
        lastStatusCode: statusCode,
        lastError: error,
        deliveredAt: delivered ? new Date() : null,
        nextAttemptAt: new Date(Date.now() + backoffMs),
      },
    });
    if (!delivered) log(`budget alerts: webhook ${delivery.id} attempt ${attempts} failed: ${error}`);
  }

  async function check(floors: ReadonlyMap<string, OrgSpendFloor>): Promise<void> {
    if (closed || floors.size === 0) return;
    const configs = await prisma.orgAlertConfig.findMany({ where: { orgId: { in: [...floors.keys()] }, NOT: { thresholds: { isEmpty: true } } } });
    let scheduled = false;
    for (const config of configs) {
      const floor = floors.get(config.orgId);
      if (floor === undefined) continue;
      const crossings = await crossingsOf(prisma, config.orgId, floor, config.thresholds);
      if (crossings.length === 0) continue;
      const fired = await prisma.budgetAlertFiring.findMany({
        where: { orgId: config.orgId, OR: crossings.map(({ subject, window, threshold }) => ({ subject, window, threshold })) },
        select: { subject: true, window: true, threshold: true },
      });
      const done = new Set(fired.map((row) => `${row.subject}\n${row.window}\n${row.threshold}`));
      for (const crossing of crossings) {
        if (done.has(`${crossing.subject}\n${crossing.window}\n${crossing.threshold}`)) continue;
        scheduled = (await fire(config.orgId, config.webhookUrl, crossing)) || scheduled;
      }
    }
    if (scheduled) void deliverDue();
  }

  /** Records one crossing (unless another replica just did) and its delivery; true when a webhook is due. */
  async function fire(orgId: string, webhookUrl: string | null, crossing: Crossing): Promise<boolean> {
    try {
      return await prisma.$transaction(async (transaction) => {
        const row = await transaction.budgetAlertFiring.create({
          data: { orgId, ...crossing, usedMicros: BigInt(crossing.usedMicros), limitMicros: BigInt(crossing.limitMicros) },
        });
        const event = {
          type: 'budget.threshold_crossed',
          id: `alert_${row.id}`,
          org_id: orgId,
          subject: crossing.subject,
          window: crossing.window,
          threshold_percent: crossing.threshold,
          used_micros: crossing.usedMicros,
          limit_micros: crossing.limitMicros,
          at: row.firedAt.toISOString(),
        };
        await recordAudit(transaction, { kind: 'system', name: 'budget-alerts' }, { action: 'budget.alert', target: `org:${orgId}`, orgId, details: event });
        if (webhookUrl === null) return false;
        await transaction.webhookDelivery.create({ data: { orgId, url: webhookUrl, payload: event } });
        return true;
      });
    } catch (error) {
      // P2002: another control plane replica recorded this crossing first.
      if ((error as { code?: string }).code === 'P2002') return false;
      throw error;
    }
  }

  return {
    check: (floors) => check(floors).catch((error: unknown) => log(`budget alerts: checking thresholds failed: ${String(error)}`)),
    deliverDue,
    async close() {
      closed = true;
      clearInterval(timer);
      await delivering;
    },
  };
}

/** Every threshold the org's floor has reached, per subject, with the window it counts in. */
async function crossingsOf(prisma: PrismaClient, orgId: string, floor: OrgSpendFloor, thresholds: readonly number[]): Promise<Crossing[]> {
  const subjects: Array<Omit<Crossing, 'threshold'>> = [];
  if (floor.creditsMicros > 0) {
    subjects.push({ subject: 'balance', window: `credits:${floor.creditsMicros}`, usedMicros: floor.usageDebitedMicros, limitMicros: floor.creditsMicros });
  }
  const userIds = Object.keys(floor.userMicros);
  if (userIds.length > 0) {
    const [policy, members] = await Promise.all([
      prisma.orgPolicy.findUnique({ where: { orgId }, select: { dailyLimitMicros: true } }),
      prisma.membership.findMany({
        where: { orgId, userId: { in: userIds }, dailyLimitMicros: { not: null } },
        select: { userId: true, dailyLimitMicros: true },
      }),
    ]);
    const own = new Map(members.map((member) => [member.userId, member.dailyLimitMicros]));
    for (const userId of userIds) {
      const limit = own.get(userId) ?? policy?.dailyLimitMicros ?? null;
      if (limit !== null && limit > 0n) {
        subjects.push({ subject: `user-daily:${userId}`, window: floor.day, usedMicros: floor.userMicros[userId] ?? 0, limitMicros: Number(limit) });
      }
    }
  }
  const keyWindows = Object.entries(floor.keyWindowMicros ?? {});
  if (keyWindows.length > 0) {
    const keyIds = [...new Set(keyWindows.map(([name]) => name.split(':')[0] as string))];
    const keys = await prisma.apiKey.findMany({
      where: { id: { in: keyIds } },
      select: { id: true, budgetDailyMicros: true, budgetWeeklyMicros: true, budgetMonthlyMicros: true },
    });
    const byId = new Map(keys.map((key) => [key.id, key]));
    const caps = { daily: 'budgetDailyMicros', weekly: 'budgetWeeklyMicros', monthly: 'budgetMonthlyMicros' } as const;
    for (const [name, usedMicros] of keyWindows) {
      const [keyId = '', period = '', window = ''] = name.split(':');
      const cap = byId.get(keyId)?.[caps[period as keyof typeof caps]] ?? null;
      if (cap !== null && cap > 0n) subjects.push({ subject: `key-${period}:${keyId}`, window, usedMicros, limitMicros: Number(cap) });
    }
  }
  const crossings: Crossing[] = [];
  for (const subject of subjects) {
    for (const threshold of thresholds) {
      if (subject.usedMicros * 100 >= subject.limitMicros * threshold) crossings.push({ ...subject, threshold });
    }
  }
  return crossings;
}
