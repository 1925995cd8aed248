// Budget alerts end to end: an org sets thresholds of 50 % and 100 % and a webhook (a local receiver);
// a key with a $0.0004 daily budget spends 100 µ$ a request. Once the usage is ingested, each crossing is
// one audit row and one signed webhook call (HMAC-SHA256 over "<t>.<body>" with the secret shown once),
// retried with backoff when the receiver fails, and the delivery log shows the attempts. Crossings fire
// once per window: more ingested usage does not repeat them.
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trpcAs } from '../support/control-plane-on-pglite.ts';
import { startGateway, type Gateway } from '../support/gateway-harness.ts';
import { addFixedCostModel, FIXED_COST } from '../support/limit-cluster.ts';
import { testEngines } from '../support/test-database.ts';

const BUDGET_MICROS = 400;

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
  status: number;
}

describe.each(testEngines)('budget alerts (%s)', (engine) => {
  let gateway: Gateway;
  let model: string;
  let receiver: Server;
  let receiverUrl: string;
  const received: Received[] = [];
  /** The receiver answers 500 to the first call, then 204. */
  let failuresLeft = 1;

  /** The control plane, a tRPC client as its seeded admin, and the dev key the first start seeded (its org and user). */
  async function seededAdmin() {
    const controlPlane = gateway.controlPlane!;
    const devKey = await controlPlane.prisma.apiKey.findFirstOrThrow({ where: { name: 'dev' } });
    return { controlPlane, admin: trpcAs(controlPlane, controlPlane.adminToken), devKey };
  }

  beforeAll(async () => {
    gateway = await startGateway(engine);
    model = await addFixedCostModel(gateway, 'alertsim');
    receiver = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        const status = failuresLeft-- > 0 ? 500 : 204;
        received.push({ headers: request.headers, body, status });
        response.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/budget`;
  });

  afterAll(async () => {
    await gateway?.close();
    await new Promise((resolve) => receiver?.close(resolve));
  });

  it('writes an audit row and calls the signed webhook once per threshold crossed, retrying a failed call', async () => {
    const { controlPlane, admin, devKey } = await seededAdmin();
    const { orgId, userId } = devKey;
    const alerts = await admin.alerts.set.mutate({ orgId, thresholds: [100, 50], webhookUrl: receiverUrl });
    expect(alerts).toMatchObject({ thresholds: [50, 100], webhookUrl: receiverUrl, webhookSecret: expect.stringMatching(/^whsec_/) });
    expect(await admin.alerts.get.query({ orgId })).toEqual({ orgId, thresholds: [50, 100], webhookUrl: receiverUrl });
    const created = await admin.apiKeys.create.mutate({ orgId, userId, name: 'alerted', budget: { dailyMicros: BUDGET_MICROS } });

    const ask = () =>
      fetch(`${gateway.dataPlane!.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${created.key}` },
        body: JSON.stringify({ model, messages: [{ role: 'user', content: 'spend' }], max_tokens: FIXED_COST.maxTokens }),
      });
    await expect.poll(async () => (await ask()).status).toBe(200);
    expect((await ask()).status).toBe(200);
    await gateway.dataPlane!.flushUsage();
    // 200 of 400 µ$: the 50 % threshold, then (first call refused by the receiver) its retry.
    await expect.poll(() => received.filter((call) => call.status === 204).length, { timeout: 30_000 }).toBe(1);
    expect(received.map((call) => call.status)).toEqual([500, 204]);
    const first = received[1] as Received;
    const event = JSON.parse(first.body) as Record<string, unknown>;
    expect(event).toMatchObject({
      type: 'budget.threshold_crossed',
      org_id: orgId,
      subject: `key-daily:${created.id}`,
      threshold_percent: 50,
      used_micros: 200,
      limit_micros: BUDGET_MICROS,
    });
    // The signature verifies with the secret shown once, over "<t>.<body>".
    const signature = String(first.headers['x-gateway-signature']);
    const [, timestamp, digest] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(signature) ?? [];
    expect(digest).toBe(createHmac('sha256', alerts.webhookSecret!).update(`${timestamp}.${first.body}`).digest('hex'));
    expect(first.headers['x-gateway-webhook-id']).toBe(received[0]!.headers['x-gateway-webhook-id']);

    expect((await ask()).status).toBe(200);
    expect((await ask()).status).toBe(200);
    // The budget is spent: refused, and nothing more is ingested for the window.
    expect((await ask()).status).toBe(429);
    await gateway.dataPlane!.flushUsage();
    await expect.poll(() => received.filter((call) => call.status === 204).length, { timeout: 30_000 }).toBe(2);
    expect(JSON.parse((received.at(-1) as Received).body)).toMatchObject({ threshold_percent: 100, used_micros: 400 });

    const audit = await controlPlane.prisma.auditLog.findMany({ where: { action: 'budget.alert', orgId }, orderBy: { id: 'asc' } });
    expect(audit.map((row) => (row.details as { threshold_percent: number }).threshold_percent)).toEqual([50, 100]);
    const deliveries = await admin.alerts.deliveries.query({ orgId });
    expect(deliveries.map((delivery) => [delivery.status, delivery.attempts, delivery.lastStatusCode])).toEqual([
      ['delivered', 1, 204],
      ['delivered', 2, 204],
    ]);
    // More ingested usage for the same key and day does not cross anything again.
    expect(await controlPlane.prisma.budgetAlertFiring.count({ where: { orgId } })).toBe(2);
  }, 120_000);

  it("the balance and a member's daily limit cross thresholds too, each once, as audit rows", async () => {
    const { controlPlane, admin, devKey } = await seededAdmin();
    const { userId } = devKey;
    const org = await admin.organizations.create.mutate({ name: 'Balance alerts' });
    const orgId = org.id;
    // $0.0004 of credits and a $0.0006 daily limit; no webhook: the crossings are audit rows only.
    await admin.billing.addLedgerEntry.mutate({ orgId, kind: 'grant', amountMicros: 400, note: 'budget alerts test' });
    await admin.policies.update.mutate({ orgId, dailyLimitMicros: 600 });
    await admin.alerts.set.mutate({ orgId, thresholds: [50, 100], webhookUrl: null });
    const { key } = await admin.apiKeys.create.mutate({ orgId, userId, name: 'balance' });
    const ask = () =>
      fetch(`${gateway.dataPlane!.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ model, messages: [{ role: 'user', content: 'spend' }], max_tokens: FIXED_COST.maxTokens }),
      });
    await expect.poll(async () => (await ask()).status).toBe(200);
    for (let request = 1; request < 4; request++) expect((await ask()).status).toBe(200);
    // 400 of 400 µ$ of credits (50 % and 100 %), 400 of the 600 µ$ daily limit (50 %).
    expect((await ask()).status).toBe(402);
    await gateway.dataPlane!.flushUsage();
    const firings = async () =>
      (await controlPlane.prisma.auditLog.findMany({ where: { action: 'budget.alert', orgId }, orderBy: { id: 'asc' } })).map((row) => {
        const details = row.details as { subject: string; threshold_percent: number };
        return `${details.subject} ${details.threshold_percent}`;
      });
    await expect.poll(async () => (await firings()).sort(), { timeout: 30_000 }).toEqual(['balance 100', 'balance 50', `user-daily:${userId} 50`]);
    expect(await controlPlane.prisma.webhookDelivery.count({ where: { orgId } })).toBe(0);
  }, 120_000);

  it('refuses a webhook URL with credentials in it', async () => {
    const { admin, devKey } = await seededAdmin();
    await expect(admin.alerts.set.mutate({ orgId: devKey.orgId, thresholds: [80], webhookUrl: 'https://user:pw@hooks.example/x' })).rejects.toThrow(
      /webhookUrl may not carry credentials/,
    );
  });
});
