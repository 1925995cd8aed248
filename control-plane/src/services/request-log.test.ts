// The request log: rows in through usage ingest, pages out through tRPC. Paging from the first page to the
// last returns every request of the org once, newest first (ties in the same millisecond included), a
// request ingested meanwhile does not shift later pages, filters narrow it, a member sees only their own
// requests, and another org's requests never show.
import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { UsageEvent } from '../../../shared/src/usage-event.ts';
import { createTestApp, type TestApp } from '../../../test/support/create-test-app.ts';
import { testEngines } from '../../../test/support/test-database.ts';
import { usageEvent } from '../../../test/support/usage-event.ts';
import { createUsageOrgs } from '../../../test/support/usage-orgs.ts';
import { latencyQuery } from './request-latency.ts';

describe.each(testEngines)('request log on %s', (engine) => {
  let testApp: TestApp;
  let reader: ReturnType<TestApp['caller']>;
  let memberOne: ReturnType<TestApp['caller']>;
  const ids = { orgA: '', orgB: '', user1: '', user2: '', key1: '', key2: '', simulator: '' };

  const ingest = (events: UsageEvent[]) => testApp.caller(testApp.app.dataPlaneToken).dataPlane.ingestUsage({ events });
  const event = (requestId: string, startedAt: string, fields: Partial<UsageEvent> = {}) =>
    usageEvent({ requestId, orgId: ids.orgA, userId: ids.user1, apiKeyId: ids.key1, requestedModel: 'm/a', providerId: ids.simulator, startedAt, ...fields });

  beforeAll(async () => {
    testApp = await createTestApp(engine);
    const { tokens, ...orgs } = await createUsageOrgs(testApp, 'Log', 'log.example');
    reader = testApp.caller((await testApp.createMember('billing@log.example', orgs.orgA, 'billing')).token);
    memberOne = testApp.caller(tokens.user1);
    Object.assign(ids, orgs);
    const two_ = { userId: ids.user2, apiKeyId: ids.key2 };
    await ingest([
      event('r1', '2026-10-01T10:00:00.000Z'),
      event('r2', '2026-10-01T11:00:00.000Z', { ...two_, requestedModel: 'm/b' }),
      // Three in the same millisecond: their order is by id, and a page boundary may fall between them.
      event('r3', '2026-10-02T09:00:00.000Z'),
      event('r4', '2026-10-02T09:00:00.000Z', { status: 502, errorCode: 'upstream_error', finishReason: null }),
      event('r5', '2026-10-02T09:00:00.000Z', two_),
      event('r6', '2026-10-03T08:00:00.000Z', { ...two_, costMicros: 1234, promptTokens: 10, completionTokens: 5, ttftMs: 120, totalLatencyMs: 300 }),
      event('r7', '2026-10-04T07:00:00.000Z'),
      event('b1', '2026-10-03T12:00:00.000Z', { orgId: ids.orgB }),
    ]);
  });
  afterAll(async () => {
    await testApp?.close();
  });

  async function allPages(caller: ReturnType<TestApp['caller']>, input: Parameters<typeof reader.requests.list>[0], between?: () => Promise<unknown>) {
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 20; page++) {
      const answer = await caller.requests.list({ ...input, cursor });
      seen.push(...answer.rows.map((row) => row.requestId));
      if (answer.nextCursor === null) return seen;
      cursor = answer.nextCursor;
      if (page === 0) await between?.();
    }
    throw new Error('the pages never ended');
  }

  test('pages through every request of the org once, newest first, ties by id', async () => {
    expect(await allPages(reader, { orgId: ids.orgA, limit: 2 })).toEqual(['r7', 'r6', 'r5', 'r4', 'r3', 'r2', 'r1']);
    expect(await allPages(reader, { orgId: ids.orgA, limit: 100 })).toEqual(['r7', 'r6', 'r5', 'r4', 'r3', 'r2', 'r1']);
  });

  test('a request ingested while paging neither shifts nor repeats the later pages', async () => {
    const seen = await allPages(reader, { orgId: ids.orgA, limit: 3 }, () => ingest([event('late', '2026-10-05T00:00:00.000Z')]));
    expect(seen).toEqual(['r7', 'r6', 'r5', 'r4', 'r3', 'r2', 'r1']);
    expect((await reader.requests.list({ orgId: ids.orgA, limit: 1 })).rows[0]?.requestId).toBe('late');
  });

  test('a row carries what the request cost and took, with the names behind its ids', async () => {
    const [row] = (await reader.requests.list({ orgId: ids.orgA, requestId: 'r6' })).rows;
    expect(row).toMatchObject({
      requestId: 'r6',
      userEmail: 'two@log.example',
      apiKeyName: 'key-two',
      providerSlug: 'simulator',
      requestedModel: 'm/a',
      status: 200,
      costMicros: 1234,
      promptTokens: 10,
      completionTokens: 5,
      ttftMs: 120,
      totalLatencyMs: 300,
    });
  });

  test('filters by key, user, model, outcome and time', async () => {
    const ids_ = async (filter: Record<string, unknown>) =>
      (await reader.requests.list({ orgId: ids.orgA, to: '2026-10-05T00:00:00.000Z', ...filter })).rows.map((row) => row.requestId);
    expect(await ids_({ apiKeyId: ids.key2 })).toEqual(['r6', 'r5', 'r2']);
    expect(await ids_({ userId: ids.user1 })).toEqual(['r7', 'r4', 'r3', 'r1']);
    expect(await ids_({ model: 'm/b' })).toEqual(['r2']);
    expect(await ids_({ outcome: 'error' })).toEqual(['r4']);
    expect(await ids_({ from: '2026-10-02T00:00:00.000Z', to: '2026-10-03T00:00:00.000Z' })).toEqual(['r5', 'r4', 'r3']);
  });

  test("a member reads only their own requests, and cannot ask for another member's", async () => {
    expect(await allPages(memberOne, { orgId: ids.orgA, to: '2026-10-05T00:00:00.000Z', limit: 2 })).toEqual(['r7', 'r4', 'r3', 'r1']);
    const refused = await memberOne.requests.list({ orgId: ids.orgA, userId: ids.user2 }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TRPCError);
    expect(refused).toMatchObject({ code: 'FORBIDDEN' });
  });

  test('another org reads as absent, and a made-up cursor is refused', async () => {
    expect(await reader.requests.list({ orgId: ids.orgB }).catch((error: unknown) => error)).toMatchObject({ code: 'NOT_FOUND' });
    expect(await reader.requests.list({ orgId: ids.orgA, cursor: 'page-2' }).catch((error: unknown) => error)).toMatchObject({ code: 'BAD_REQUEST' });
  });

  test('latency percentiles per model: answered requests only, computed by the database; a member sees their own', async () => {
    const two_ = { userId: ids.user2, apiKeyId: ids.key2 };
    await ingest([
      // m/x: whole latencies 100, 200 … 1000 ms, five of them streamed with a first token after 10 … 50 ms.
      ...Array.from({ length: 10 }, (_, index) =>
        event(`lat-x${index}`, `2026-09-10T10:00:0${index}.000Z`, {
          ...two_,
          requestedModel: 'm/x',
          totalLatencyMs: (index + 1) * 100,
          ttftMs: index < 5 ? (index + 1) * 10 : null,
        }),
      ),
      event('lat-y', '2026-09-10T11:00:00.000Z', { requestedModel: 'm/y', totalLatencyMs: 7 }),
      // A refusal says nothing about the model's speed; another org's request is not this org's.
      event('lat-refused', '2026-09-10T12:00:00.000Z', { ...two_, requestedModel: 'm/x', status: 502, totalLatencyMs: 99_999, ttftMs: 99_999 }),
      event('lat-b', '2026-09-10T12:00:00.000Z', { orgId: ids.orgB, requestedModel: 'm/x', totalLatencyMs: 99_999 }),
    ]);
    const range = { orgId: ids.orgA, from: '2026-09-10T00:00:00.000Z', to: '2026-09-11T00:00:00.000Z' };
    const summary = await reader.requests.latency(range);
    expect(summary.wholeOrg).toBe(true);
    expect(summary.models.map((model) => model.model)).toEqual(['m/x', 'm/y']);
    const [x, y] = summary.models;
    expect(x).toMatchObject({ requests: 10, ttftRequests: 5 });
    // percentile_cont interpolates: the 95th of 10 values lies 55 % of the way from the 9th to the 10th.
    expect(x!.latencyP50Ms).toBeCloseTo(550);
    expect(x!.latencyP95Ms).toBeCloseTo(955);
    expect(x!.ttftP50Ms).toBeCloseTo(30);
    expect(x!.ttftP95Ms).toBeCloseTo(48);
    expect(y).toEqual({ model: 'm/y', requests: 1, ttftRequests: 0, ttftP50Ms: null, ttftP95Ms: null, latencyP50Ms: 7, latencyP95Ms: 7 });

    expect(summary.sampled).toBe(false);
    // Past the sample, the latest requests count: of the last 3 answered (lat-y, lat-x9, lat-x8), by model.
    const latest = await testApp.app.services.prisma.$queryRaw<Array<{ model: string; requests: number }>>(
      latencyQuery(ids.orgA, new Date(range.from), new Date(range.to), null, 3),
    );
    expect(latest.map((row) => [row.model, row.requests])).toEqual([
      ['m/x', 2],
      ['m/y', 1],
    ]);

    const own = await memberOne.requests.latency(range);
    expect(own).toMatchObject({ wholeOrg: false, models: [{ model: 'm/y', requests: 1 }] });
    expect(await reader.requests.latency({ ...range, orgId: ids.orgB }).catch((error: unknown) => error)).toMatchObject({ code: 'NOT_FOUND' });
  });
});
