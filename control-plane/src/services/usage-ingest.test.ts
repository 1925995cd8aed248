// Usage ingest is idempotent: a retried batch stores nothing twice, charges nothing twice and adds nothing
// twice to the daily aggregate; a batch naming a vanished org is stored, not refused.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { UsageEvent } from '../../../shared/src/usage-event.ts';
import { testEngines } from '../../../test/support/test-database.ts';
import { createTestApp, type TestApp } from '../../../test/support/create-test-app.ts';

describe.each(testEngines)('usage ingest on %s', (engine) => {
  let testApp: TestApp;
  let orgId: string;
  let event: (requestId: string, overrides?: Partial<UsageEvent>) => UsageEvent;

  beforeAll(async () => {
    testApp = await createTestApp(engine);
    const key = await testApp.app.services.prisma.apiKey.findFirstOrThrow({ where: { name: 'dev' } });
    orgId = key.orgId;
    event = (requestId, overrides = {}) => ({
      requestId,
      orgId: key.orgId,
      userId: key.userId,
      apiKeyId: key.id,
      requestedModel: 'simulator/echo',
      servedModel: 'echo',
      providerId: 'simulator',
      byok: false,
      promptTokens: 1000,
      completionTokens: 500,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
      costMicros: 450,
      upstreamCostMicros: null,
      usageEstimated: false,
      ttftMs: 12.5,
      upstreamLatencyMs: 40,
      totalLatencyMs: 41.25,
      status: 200,
      finishReason: 'stop',
      errorCode: null,
      streamed: true,
      startedAt: '2026-11-25T10:00:00.000Z',
      finishedAt: '2026-11-25T10:00:00.041Z',
      ...overrides,
    });
  });
  afterAll(async () => {
    await testApp?.close();
  });

  test('the same batch twice stores rows once and debits once; sums agree', async () => {
    const prisma = testApp.app.services.prisma;
    const dataPlane = testApp.caller(testApp.app.dataPlaneToken).dataPlane;
    const before = await prisma.organization.findUniqueOrThrow({ where: { id: orgId } });
    const batch = {
      events: [
        event('req-a'),
        event('req-b', { costMicros: 1_234_567 }),
        event('req-free', { costMicros: 0 }),
        event('req-byok', { byok: true, costMicros: 999 }),
      ],
    };

    expect(await dataPlane.ingestUsage(batch)).toEqual({ inserted: 4, duplicates: 0 });
    expect(await dataPlane.ingestUsage(batch)).toEqual({ inserted: 0, duplicates: 4 });
    // A batch overlapping the first one, with a duplicate inside itself.
    expect(await dataPlane.ingestUsage({ events: [event('req-b'), event('req-c', { costMicros: 7 }), event('req-c', { costMicros: 7 })] })).toEqual({
      inserted: 1,
      duplicates: 2,
    });

    const rows = await prisma.usageRecord.findMany({ where: { orgId }, orderBy: { requestId: 'asc' } });
    expect(rows.map((row) => row.requestId)).toEqual(['req-a', 'req-b', 'req-byok', 'req-c', 'req-free']);
    expect(rows.find((row) => row.requestId === 'req-a')).toMatchObject({
      costMicros: 450n,
      ttftMs: 12.5,
      totalLatencyMs: 41.25,
      streamed: true,
      startedAt: new Date('2026-11-25T10:00:00.000Z'),
      finishedAt: new Date('2026-11-25T10:00:00.041Z'),
    });

    const debits = await prisma.ledgerEntry.findMany({ where: { orgId, kind: 'usage' }, orderBy: { usageRequestId: 'asc' } });
    expect(debits.map((entry) => [entry.usageRequestId, entry.amountMicros])).toEqual([
      ['req-a', -450n],
      ['req-b', -1_234_567n],
      ['req-c', -7n],
    ]);
    const after = await prisma.organization.findUniqueOrThrow({ where: { id: orgId } });
    expect(after.balanceMicros).toBe(before.balanceMicros - 450n - 1_234_567n - 7n);
    const ledgerSum = await prisma.ledgerEntry.aggregate({ where: { orgId }, _sum: { amountMicros: true } });
    expect(ledgerSum._sum.amountMicros).toBe(after.balanceMicros);

    // req-a, req-b, req-free and req-c are billed; req-byok is summed apart. Each counted once.
    const daily = await prisma.usageDaily.findMany({ where: { orgId }, orderBy: { byok: 'asc' } });
    expect(daily).toEqual([
      expect.objectContaining({
        day: new Date('2026-11-25'),
        requestedModel: 'simulator/echo',
        providerId: 'simulator',
        byok: false,
        requests: 4n,
        promptTokens: 4000n,
        completionTokens: 2000n,
        costMicros: 450n + 1_234_567n + 0n + 7n,
      }),
      expect.objectContaining({ day: new Date('2026-11-25'), byok: true, requests: 1n, promptTokens: 1000n, completionTokens: 500n, costMicros: 999n }),
    ]);
  });

  test('a mixed batch writes exactly one debit per billed, paid request, in batch order, and moves each org by its sum', async () => {
    const prisma = testApp.app.services.prisma;
    const dataPlane = testApp.caller(testApp.app.dataPlaneToken).dataPlane;
    const other = await prisma.organization.create({ data: { name: 'Mixed Batch Org' } });
    const before = await prisma.organization.findMany({ where: { id: { in: [orgId, other.id] } }, orderBy: { id: 'asc' } });
    const lastEntry = await prisma.ledgerEntry.findFirst({ orderBy: { id: 'desc' } });
    const batch = {
      events: [
        event('mix-1', { costMicros: 11 }),
        event('mix-other-1', { orgId: other.id, costMicros: 1_000_003 }),
        event('mix-byok', { byok: true, costMicros: 13 }),
        event('mix-gone', { orgId: 'mix-no-such-org', costMicros: 17 }),
        event('mix-free', { costMicros: 0 }),
        event('mix-2', { costMicros: 19 }),
        event('mix-1', { costMicros: 11 }),
        event('mix-other-2', { orgId: other.id, costMicros: 23 }),
      ],
    };
    expect(await dataPlane.ingestUsage(batch)).toEqual({ inserted: 7, duplicates: 1, unbilled: 1 });
    expect(await dataPlane.ingestUsage(batch)).toEqual({ inserted: 0, duplicates: 8 });

    const entries = await prisma.ledgerEntry.findMany({ where: { id: { gt: lastEntry?.id ?? 0n } }, orderBy: { id: 'asc' } });
    expect(entries.map((entry) => [entry.orgId, entry.kind, entry.amountMicros, entry.usageRequestId, entry.note])).toEqual([
      [orgId, 'usage', -11n, 'mix-1', null],
      [other.id, 'usage', -1_000_003n, 'mix-other-1', null],
      [orgId, 'usage', -19n, 'mix-2', null],
      [other.id, 'usage', -23n, 'mix-other-2', null],
    ]);
    const after = await prisma.organization.findMany({ where: { id: { in: [orgId, other.id] } }, orderBy: { id: 'asc' } });
    const moved = after.map((org, index) => [
      org.id,
      org.balanceMicros - (before[index]?.balanceMicros ?? 0n),
      org.usageDebitedMicros - (before[index]?.usageDebitedMicros ?? 0n),
    ]);
    expect(moved).toEqual(
      [
        [orgId, -30n, 30n],
        [other.id, -1_000_026n, 1_000_026n],
      ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );
    const rows = await prisma.usageRecord.findMany({ where: { requestId: { startsWith: 'mix-' } }, orderBy: { id: 'asc' } });
    expect(rows.map((row) => [row.requestId, row.orgId, row.costMicros, row.byok])).toEqual([
      ['mix-1', orgId, 11n, false],
      ['mix-other-1', other.id, 1_000_003n, false],
      ['mix-byok', orgId, 13n, true],
      ['mix-gone', 'mix-no-such-org', 17n, false],
      ['mix-free', orgId, 0n, false],
      ['mix-2', orgId, 19n, false],
      ['mix-other-2', other.id, 23n, false],
    ]);
    const audits = await prisma.auditLog.findMany({ where: { action: 'usage.unbilled', target: 'org:mix-no-such-org' } });
    expect(audits.map((audit) => audit.details)).toEqual([{ reason: 'organization not found', requests: 1, costMicros: 17 }]);
  });

  test('the daily aggregate splits at UTC midnight by startedAt', async () => {
    const prisma = testApp.app.services.prisma;
    const dataPlane = testApp.caller(testApp.app.dataPlaneToken).dataPlane;
    await dataPlane.ingestUsage({
      events: [
        event('day-1', {
          requestedModel: 'simulator/midnight',
          startedAt: '2026-11-23T23:59:59.999Z',
          finishedAt: '2026-11-24T00:00:00.100Z',
          costMicros: 10,
          reasoningTokens: 3,
        }),
        event('day-2', {
          requestedModel: 'simulator/midnight',
          startedAt: '2026-11-24T00:00:00.000Z',
          finishedAt: '2026-11-24T00:00:00.100Z',
          costMicros: 20,
          cacheReadTokens: 5,
        }),
        event('day-3', {
          requestedModel: 'simulator/midnight',
          startedAt: '2026-11-24T13:00:00.000Z',
          finishedAt: '2026-11-24T13:00:01.000Z',
          costMicros: 40,
          cacheWriteTokens: 6,
        }),
      ],
    });
    const daily = await prisma.usageDaily.findMany({ where: { orgId, requestedModel: 'simulator/midnight' }, orderBy: { day: 'asc' } });
    expect(
      daily.map((row) => [row.day.toISOString().slice(0, 10), row.requests, row.costMicros, row.reasoningTokens, row.cacheReadTokens, row.cacheWriteTokens]),
    ).toEqual([
      ['2026-11-23', 1n, 10n, 3n, 0n, 0n],
      ['2026-11-24', 2n, 60n, 0n, 5n, 6n],
    ]);
  });

  test("ingest moves each key's lastUsedAt to the newest finishedAt it has seen, never back", async () => {
    const prisma = testApp.app.services.prisma;
    const dataPlane = testApp.caller(testApp.app.dataPlaneToken).dataPlane;
    const keyId = event('x').apiKeyId;
    await dataPlane.ingestUsage({
      events: [
        event('last-1', { finishedAt: '2026-11-26T08:00:00.000Z' }),
        event('last-2', { finishedAt: '2026-11-26T09:30:00.250Z' }),
        event('last-3', { finishedAt: '2026-11-26T09:00:00.000Z' }),
      ],
    });
    expect((await prisma.apiKey.findUniqueOrThrow({ where: { id: keyId } })).lastUsedAt).toEqual(new Date('2026-11-26T09:30:00.250Z'));
    // An older batch delivered late does not move it back.
    await dataPlane.ingestUsage({ events: [event('last-0', { finishedAt: '2026-11-26T07:00:00.000Z' })] });
    expect((await prisma.apiKey.findUniqueOrThrow({ where: { id: keyId } })).lastUsedAt).toEqual(new Date('2026-11-26T09:30:00.250Z'));
  });

  test('concurrent deliveries of one batch still count each request once', async () => {
    const dataPlane = testApp.caller(testApp.app.dataPlaneToken).dataPlane;
    const batch = { events: [event('race-1', { costMicros: 100 }), event('race-2', { costMicros: 200 })] };
    const results = await Promise.all([dataPlane.ingestUsage(batch), dataPlane.ingestUsage(batch), dataPlane.ingestUsage(batch)]);
    expect(results.reduce((sum, result) => sum + result.inserted, 0)).toBe(2);
    expect(results.reduce((sum, result) => sum + result.duplicates, 0)).toBe(4);
    const debits = await testApp.app.services.prisma.ledgerEntry.findMany({ where: { usageRequestId: { in: ['race-1', 'race-2'] } } });
    expect(debits).toHaveLength(2);
  });

  test('concurrent batches adding to the same daily row lose no request', async () => {
    const dataPlane = testApp.caller(testApp.app.dataPlaneToken).dataPlane;
    const batches = Array.from({ length: 5 }, (_, batch) => ({
      events: Array.from({ length: 20 }, (_, index) =>
        event(`crowd-${batch}-${index}`, { requestedModel: 'simulator/crowd', costMicros: batch + 1, promptTokens: 3 }),
      ),
    }));
    await Promise.all(batches.map((batch) => dataPlane.ingestUsage(batch)));
    const daily = await testApp.app.services.prisma.usageDaily.findMany({ where: { orgId, requestedModel: 'simulator/crowd' } });
    // 20 requests at each cost 1..5 µ$.
    expect(daily.map((row) => [row.requests, row.promptTokens, row.costMicros])).toEqual([[100n, 300n, 20n * (1n + 2n + 3n + 4n + 5n)]]);
  });

  test('a batch naming a vanished org is stored whole; only that org goes undebited, and the audit log says so', async () => {
    const prisma = testApp.app.services.prisma;
    const dataPlane = testApp.caller(testApp.app.dataPlaneToken).dataPlane;
    const batch = {
      events: [
        event('ok-1', { costMicros: 100 }),
        event('gone-1', { orgId: 'no-such-org', costMicros: 300 }),
        event('gone-2', { orgId: 'no-such-org', costMicros: 5 }),
      ],
    };

    expect(await dataPlane.ingestUsage(batch)).toEqual({ inserted: 3, duplicates: 0, unbilled: 2 });
    expect(await dataPlane.ingestUsage(batch)).toEqual({ inserted: 0, duplicates: 3 });

    expect(await prisma.usageRecord.count({ where: { requestId: { in: ['ok-1', 'gone-1', 'gone-2'] } } })).toBe(3);
    const debits = await prisma.ledgerEntry.findMany({ where: { usageRequestId: { in: ['ok-1', 'gone-1', 'gone-2'] } } });
    expect(debits.map((entry) => [entry.usageRequestId, entry.amountMicros])).toEqual([['ok-1', -100n]]);
    const audits = await prisma.auditLog.findMany({ where: { action: 'usage.unbilled', target: { not: 'org:mix-no-such-org' } } });
    expect(audits.map((audit) => [audit.target, audit.details])).toEqual([
      ['org:no-such-org', { reason: 'organization not found', requests: 2, costMicros: 305 }],
    ]);
    expect(await prisma.usageDaily.findMany({ where: { orgId: 'no-such-org' } })).toEqual([expect.objectContaining({ requests: 2n, costMicros: 305n })]);
  });

  test('the daily aggregate equals the raw rows, group by group', async () => {
    const prisma = testApp.app.services.prisma;
    const raw = await prisma.$queryRaw<{ key: string; requests: bigint; tokens: string; cost: string }[]>`
      SELECT concat_ws('|', "org_id", ("started_at" AT TIME ZONE 'UTC')::date, "user_id", "api_key_id", "requested_model", "provider_id", "byok") AS "key",
        count(*) AS "requests",
        concat_ws('|', sum("prompt_tokens"), sum("completion_tokens"), sum("cache_read_tokens"), sum("cache_write_tokens"), sum("reasoning_tokens")) AS "tokens",
        sum("cost_micros")::text AS "cost"
      FROM "usage_records" GROUP BY 1 ORDER BY 1`;
    const daily = await prisma.$queryRaw<typeof raw>`
      SELECT concat_ws('|', "org_id", "day", "user_id", "api_key_id", "requested_model", "provider_id", "byok") AS "key", "requests",
        concat_ws('|', "prompt_tokens", "completion_tokens", "cache_read_tokens", "cache_write_tokens", "reasoning_tokens") AS "tokens",
        "cost_micros"::text AS "cost"
      FROM "usage_daily" ORDER BY 1`;
    expect(raw.length).toBeGreaterThan(3);
    expect(daily).toEqual(raw);
  });

  test('only data planes may ingest', async () => {
    await expect(testApp.caller(testApp.app.adminToken).dataPlane.ingestUsage({ events: [event('admin-1')] })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  test("ingested usage reaches the org's spend floor through the publisher's own timer, and never publishes a snapshot version", async () => {
    const publisher = testApp.app.services.publisher;
    await publisher.settled();
    const version = publisher.version;
    const debitedBefore = publisher.spendFloors.floor(orgId)?.usageDebitedMicros ?? 0;
    await testApp.caller(testApp.app.dataPlaneToken).dataPlane.ingestUsage({ events: [event('req-snapshot-floor', { costMicros: 777 })] });
    // No settled() here: the update must come from the publisher's own timer.
    await expect.poll(() => publisher.spendFloors.floor(orgId)?.usageDebitedMicros, { interval: 50 }).toBe(debitedBefore + 777);

    await testApp.caller(testApp.app.dataPlaneToken).dataPlane.ingestUsage({ events: [event('req-snapshot-floor-2', { costMicros: 5 })] });
    await publisher.settled();
    expect(publisher.spendFloors.floor(orgId)?.usageDebitedMicros).toBe(debitedBefore + 782);
    expect(publisher.version).toBe(version);
  });
});
