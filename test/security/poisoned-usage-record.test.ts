// Issue 13, defect 2: one upstream answer whose model string held a NUL, or whose prompt_tokens was
// 3,000,000,000, made the control plane's ingest answer 500 (PostgreSQL refuses both); the data plane
// resent the same batch forever and billed nothing more. The attack: a hostile upstream answers with
// both, then an honest request follows; both are billed, the poisoned one bounded. Then a batch with a
// record that is no usage event at all: the others are stored, that one is dead-lettered with an audit row.
import { createTRPCClient, httpLink } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { AppRouter } from '../../control-plane/src/trpc/routers/_app.ts';
import { sampleUsageEvent } from '../support/usage-event.ts';
import { USAGE_EVENT_LIMITS } from '../../shared/src/usage-event.ts';
import { SIMULATOR_MODEL, startGateway, type Gateway } from '../support/gateway-harness.ts';
import { readUsageRow } from '../support/usage-rows.ts';

const poisonedAnswer = JSON.stringify({
  id: 'chatcmpl-poison',
  object: 'chat.completion',
  created: 1_700_000_000,
  model: 'echo\u0000\ud800-evil',
  choices: [{ index: 0, message: { role: 'assistant', content: 'hello' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 3_000_000_000, completion_tokens: 1e300, total_tokens: 3_000_000_001 },
});

describe('a poisoned usage record stops nothing', () => {
  let gateway: Gateway;

  beforeAll(async () => {
    gateway = await startGateway('pglite');
  });
  afterAll(() => gateway?.close());

  async function chat(): Promise<Response> {
    const response = await fetch(`${gateway.dataPlane!.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gateway.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: SIMULATOR_MODEL, messages: [{ role: 'user', content: 'hi' }] }),
    });
    await response.arrayBuffer();
    return response;
  }

  test('an upstream reporting a NUL model and 3e9 tokens is billed bounded, and the request shipped with it too', async () => {
    const honest = await chat();
    gateway.simulator.scenario = () => ({ rawBody: poisonedAnswer });
    const poisoned = await chat();
    expect(poisoned.status).toBe(200);
    gateway.simulator.scenario = () => ({});

    await gateway.dataPlane!.flushUsage();
    const poisonedRow = await readUsageRow(gateway, poisoned.headers.get('x-request-id')!);
    expect(poisonedRow.servedModel).toBe('echo-evil');
    expect(poisonedRow.promptTokens).toBe(USAGE_EVENT_LIMITS.tokens);
    expect(poisonedRow.completionTokens).toBe(USAGE_EVENT_LIMITS.tokens);
    expect((await readUsageRow(gateway, honest.headers.get('x-request-id')!)).status).toBe(200);
  });

  test('ingest stores the good events of a batch and dead-letters the one that is no usage event', async () => {
    const controlPlane = gateway.controlPlane!;
    const asDataPlane = createTRPCClient<AppRouter>({
      links: [httpLink({ url: `${controlPlane.url}/trpc`, headers: { authorization: `Bearer ${controlPlane.dataPlaneToken}` } })],
    });
    const orgId = (await controlPlane.prisma.apiKey.findFirstOrThrow({ where: { name: 'dev' } })).orgId;
    const good = { ...sampleUsageEvent('poison-batch-good'), orgId };
    // Straight from an older data plane that bounded nothing.
    const unbounded = { ...sampleUsageEvent('poison-batch-unbounded'), orgId, servedModel: 'x\u0000y', promptTokens: 3_000_000_000, costMicros: 1e300 };
    const junk = { requestId: 'poison-batch-junk', promptTokens: 'many' };

    const result = await asDataPlane.dataPlane.ingestUsage.mutate({ events: [good, junk, unbounded] });
    expect(result).toMatchObject({ inserted: 2, duplicates: 0, deadLettered: 1 });
    expect(await controlPlane.prisma.usageRecord.count({ where: { requestId: { in: ['poison-batch-good', 'poison-batch-unbounded'] } } })).toBe(2);
    const deadLetter = await controlPlane.prisma.auditLog.findFirstOrThrow({ where: { action: 'usage.dead-letter' } });
    expect(deadLetter.details).toMatchObject({ requestId: 'poison-batch-junk', reason: expect.stringContaining('not a usage event') });
    expect(JSON.parse((deadLetter.details as { event: string }).event)).toEqual(junk);
  });
});
