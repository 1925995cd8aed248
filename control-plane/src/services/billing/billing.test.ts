// Billing queries: rows in through usage ingest, sums out through tRPC, checked against totals worked
// out by hand, at mid-day range edges, for each grouping, and never showing another org's usage.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { UsageEvent } from '../../../../shared/src/usage-event.ts';
import { testEngines } from '../../../../test/support/test-database.ts';
import { createTestApp, type TestApp } from '../../../../test/support/create-test-app.ts';
import { usageEvent } from '../../../../test/support/usage-event.ts';
import { createUsageOrgs } from '../../../../test/support/usage-orgs.ts';
import { createGraphQLServer } from '../../graphql/create-yoga.ts';

describe.each(testEngines)('billing queries on %s', (engine) => {
  let testApp: TestApp;
  let billing: ReturnType<TestApp['caller']>['billing'];
  const ids = { orgA: '', orgB: '', user1: '', user2: '', key1: '', key2: '', simulator: '', acme: '' };

  beforeAll(async () => {
    testApp = await createTestApp(engine);
    const prisma = testApp.app.services.prisma;
    const { tokens: _tokens, ...orgs } = await createUsageOrgs(testApp, 'Billing', 'a.example');
    billing = testApp.caller((await testApp.createMember('billing@a.example', orgs.orgA, 'billing')).token).billing;
    const acme = await prisma.provider.create({ data: { slug: 'acme', kind: 'openai-compatible', baseUrl: 'http://127.0.0.1:9/v1' } });
    Object.assign(ids, orgs, { acme: acme.id });

    const one = { userId: ids.user1, apiKeyId: ids.key1 };
    const two = { userId: ids.user2, apiKeyId: ids.key2 };
    await testApp.caller(testApp.app.dataPlaneToken).dataPlane.ingestUsage({
      events: [
        event('e1', '2026-10-01T10:00:00.000Z', { ...one, requestedModel: 'm/a', costMicros: 100, promptTokens: 1 }),
        event('e2', '2026-10-01T23:30:00.000Z', { ...one, requestedModel: 'm/a', costMicros: 200, promptTokens: 20 }),
        event('e3', '2026-10-02T00:00:00.000Z', { ...two, requestedModel: 'm/b', costMicros: 300, completionTokens: 30 }),
        event('e4', '2026-10-02T12:00:00.000Z', { ...one, requestedModel: 'm/b', costMicros: 4000, byok: true, promptTokens: 40 }),
        event('e5', '2026-10-03T06:00:00.000Z', { ...two, requestedModel: 'm/a', costMicros: 500, cacheReadTokens: 50, providerId: ids.acme }),
        event('e6', '2026-10-03T18:00:00.000Z', { ...one, requestedModel: 'm/a', costMicros: 600, reasoningTokens: 60 }),
        event('e7', '2026-10-04T01:00:00.000Z', { ...two, requestedModel: 'm/a', costMicros: 700, cacheWriteTokens: 70 }),
        // Another org, inside every range asked for below: never counted.
        event('b1', '2026-10-02T12:00:00.000Z', {
          orgId: ids.orgB,
          userId: ids.user1,
          apiKeyId: ids.key1,
          requestedModel: 'm/a',
          costMicros: 1_000_000,
          promptTokens: 999,
        }),
      ],
    });
  });
  afterAll(async () => {
    await testApp?.close();
  });

  function event(requestId: string, startedAt: string, fields: Partial<UsageEvent>): UsageEvent {
    return usageEvent({ requestId, orgId: ids.orgA, servedModel: 'served', providerId: ids.simulator, startedAt, ...fields });
  }

  const zero = {
    requests: 0,
    promptTokens: 0,
    completionTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    billedCostMicros: 0,
    byokCostMicros: 0,
  };
  // [Oct 1 12:00, Oct 3 12:00): e2, e3, e4, e5 — a raw head, one whole day (Oct 2), a raw tail.
  const midDay = { from: '2026-10-01T12:00:00.000Z', to: '2026-10-03T12:00:00.000Z' };

  test('totals over a range with mid-day edges', async () => {
    const summary = await billing.usage({ orgId: ids.orgA, ...midDay });
    expect(summary.totals).toEqual({
      ...zero,
      requests: 4,
      promptTokens: 60,
      completionTokens: 30,
      cacheReadTokens: 50,
      billedCostMicros: 200 + 300 + 500,
      byokCostMicros: 4000,
    });
    expect(summary.groups).toEqual([]);
  });

  test('whole days only, and a range one millisecond wide', async () => {
    const days = await billing.usage({ orgId: ids.orgA, from: '2026-10-01T00:00:00.000Z', to: '2026-10-04T00:00:00.000Z' });
    expect(days.totals).toMatchObject({
      requests: 6,
      billedCostMicros: 100 + 200 + 300 + 500 + 600,
      byokCostMicros: 4000,
      reasoningTokens: 60,
      cacheWriteTokens: 0,
    });
    const instant = await billing.usage({ orgId: ids.orgA, from: '2026-10-02T00:00:00.000Z', to: '2026-10-02T00:00:00.001Z' });
    expect(instant.totals).toEqual({ ...zero, requests: 1, completionTokens: 30, billedCostMicros: 300 });
    const before = await billing.usage({ orgId: ids.orgA, from: '2026-10-01T12:00:00.000Z', to: '2026-10-02T00:00:00.000Z' });
    expect(before.totals).toEqual({ ...zero, requests: 1, promptTokens: 20, billedCostMicros: 200 });
  });

  test('grouped by day', async () => {
    const { groups } = await billing.usage({ orgId: ids.orgA, ...midDay, groupBy: ['day'] });
    expect(groups.map((group) => [group.day, group.requests, group.billedCostMicros, group.byokCostMicros])).toEqual([
      ['2026-10-01', 1, 200, 0],
      ['2026-10-02', 2, 300, 4000],
      ['2026-10-03', 1, 500, 0],
    ]);
    expect(groups[0]).toMatchObject({ model: null, providerId: null, userId: null, apiKeyId: null });
  });

  test('grouped by model, by provider, by user, by key', async () => {
    const byModel = await billing.usage({ orgId: ids.orgA, ...midDay, groupBy: ['model'] });
    expect(byModel.groups.map((group) => [group.model, group.requests, group.billedCostMicros, group.byokCostMicros])).toEqual([
      ['m/a', 2, 700, 0],
      ['m/b', 2, 300, 4000],
    ]);
    const byProvider = await billing.usage({ orgId: ids.orgA, ...midDay, groupBy: ['provider'] });
    expect(
      new Set(byProvider.groups.map((group) => JSON.stringify([group.providerSlug, group.requests, group.billedCostMicros, group.byokCostMicros]))),
    ).toEqual(new Set([JSON.stringify(['simulator', 3, 500, 4000]), JSON.stringify(['acme', 1, 500, 0])]));
    const byUser = await billing.usage({ orgId: ids.orgA, ...midDay, groupBy: ['user'] });
    expect(new Set(byUser.groups.map((group) => JSON.stringify([group.userEmail, group.requests, group.billedCostMicros, group.byokCostMicros])))).toEqual(
      new Set([JSON.stringify(['one@a.example', 2, 200, 4000]), JSON.stringify(['two@a.example', 2, 800, 0])]),
    );
    const byKeyAndDay = await billing.usage({ orgId: ids.orgA, ...midDay, groupBy: ['key', 'day'] });
    expect(new Set(byKeyAndDay.groups.map((group) => JSON.stringify([group.apiKeyName, group.day, group.requests, group.promptTokens])))).toEqual(
      new Set([
        JSON.stringify(['key-one', '2026-10-01', 1, 20]),
        JSON.stringify(['key-one', '2026-10-02', 1, 40]),
        JSON.stringify(['key-two', '2026-10-02', 1, 0]),
        JSON.stringify(['key-two', '2026-10-03', 1, 0]),
      ]),
    );
    // However it is grouped, the groups add up to the same totals.
    for (const summary of [byModel, byProvider, byUser, byKeyAndDay])
      expect(summary.totals).toEqual((await billing.usage({ orgId: ids.orgA, ...midDay })).totals);
  });

  test('any range sums exactly what the raw rows hold', async () => {
    const prisma = testApp.app.services.prisma;
    const edges = [
      '2026-09-30T00:00:00.000Z',
      '2026-10-01T10:00:00.000Z',
      '2026-10-01T10:00:00.001Z',
      '2026-10-02T00:00:00.000Z',
      '2026-10-02T17:45:00.000Z',
      '2026-10-04T00:00:00.000Z',
      '2026-10-05T03:00:00.000Z',
    ];
    for (const from of edges) {
      for (const to of edges.filter((edge) => edge > from)) {
        const raw = await prisma.usageRecord.aggregate({
          where: { orgId: ids.orgA, startedAt: { gte: new Date(from), lt: new Date(to) } },
          _count: true,
          _sum: { costMicros: true, promptTokens: true },
        });
        const { totals } = await billing.usage({ orgId: ids.orgA, from, to });
        expect([from, to, totals.requests, totals.billedCostMicros + totals.byokCostMicros, totals.promptTokens]).toEqual([
          from,
          to,
          raw._count,
          Number(raw._sum.costMicros ?? 0n),
          raw._sum.promptTokens ?? 0,
        ]);
      }
    }
  });

  test('GraphQL answers the same sums, a negative balance included', async () => {
    const reader = await testApp.createAdmin('graphql-billing@a.example');
    await testApp.app.services.prisma.membership.create({ data: { orgId: ids.orgA, userId: reader.userId, role: 'admin' } });
    const response = await createGraphQLServer(testApp.app.services).fetch('http://control-plane/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${reader.token}` },
      body: JSON.stringify({
        query: `query ($orgId: ID!, $from: DateTime!, $to: DateTime!) {
          balance(orgId: $orgId) { balanceMicros }
          usageSummary(orgId: $orgId, from: $from, to: $to, groupBy: [model]) {
            groupBy totals { requests billedCostMicros byokCostMicros }
            groups { model providerSlug totals { requests promptTokens billedCostMicros byokCostMicros } }
          }
        }`,
        variables: { orgId: ids.orgA, ...midDay },
      }),
    });
    expect(await response.json()).toEqual({
      data: {
        balance: { balanceMicros: (await billing.balance({ orgId: ids.orgA })).balanceMicros },
        usageSummary: {
          groupBy: ['model'],
          totals: { requests: 4, billedCostMicros: 1000, byokCostMicros: 4000 },
          groups: [
            { model: 'm/a', providerSlug: null, totals: { requests: 2, promptTokens: 20, billedCostMicros: 700, byokCostMicros: 0 } },
            { model: 'm/b', providerSlug: null, totals: { requests: 2, promptTokens: 40, billedCostMicros: 300, byokCostMicros: 4000 } },
          ],
        },
      },
    });
  });

  test("another org's usage and balance answer not found; bad ranges are refused", async () => {
    await expect(billing.usage({ orgId: ids.orgB, ...midDay })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(billing.balance({ orgId: ids.orgB })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(billing.ledger({ orgId: ids.orgB })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(billing.usage({ orgId: ids.orgA, from: midDay.to, to: midDay.from })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining('must be after from'),
    });
  });

  test('grants, purchases and adjustments move the balance; the ledger pages newest first, by kind', async () => {
    const platform = testApp.caller(testApp.app.adminToken).billing;
    // Ingest debited e1, e2, e3, e5, e6, e7; the BYOK request e4 costs the org nothing.
    expect(await billing.balance({ orgId: ids.orgA })).toEqual({ orgId: ids.orgA, balanceMicros: -2400 });

    const grant = await platform.addLedgerEntry({ orgId: ids.orgA, kind: 'grant', amountMicros: 5_000_000, note: 'welcome' });
    expect(grant).toMatchObject({ entry: { kind: 'grant', amountMicros: 5_000_000, note: 'welcome' }, balanceMicros: 4_997_600 });
    await platform.addLedgerEntry({ orgId: ids.orgA, kind: 'purchase', amountMicros: 1_000_000 });
    const adjustment = await platform.addLedgerEntry({ orgId: ids.orgA, kind: 'adjustment', amountMicros: -600, note: 'refund of e6 reversed' });
    expect(adjustment.balanceMicros).toBe(5_997_000);
    expect(await billing.balance({ orgId: ids.orgA })).toEqual({ orgId: ids.orgA, balanceMicros: 5_997_000 });

    await expect(platform.addLedgerEntry({ orgId: ids.orgA, kind: 'purchase', amountMicros: -5 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(platform.addLedgerEntry({ orgId: ids.orgA, kind: 'adjustment', amountMicros: 5 })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining('an adjustment needs a note'),
    });
    await expect(platform.addLedgerEntry({ orgId: 'no-such-org', kind: 'grant', amountMicros: 5 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(
      testApp.caller((await testApp.createAdmin('owner@a.example')).token).billing.addLedgerEntry({ orgId: ids.orgA, kind: 'grant', amountMicros: 5 }),
    ).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });

    const audits = await testApp.app.services.prisma.auditLog.findMany({
      where: { orgId: ids.orgA, action: { startsWith: 'ledger.' } },
      orderBy: { id: 'asc' },
    });
    expect(audits.map((audit) => [audit.action, (audit.details as { amountMicros: number }).amountMicros])).toEqual([
      ['ledger.grant', 5_000_000],
      ['ledger.purchase', 1_000_000],
      ['ledger.adjustment', -600],
    ]);

    const all = await billing.ledger({ orgId: ids.orgA, limit: 100 });
    expect(all.entries.map((entry) => entry.kind)).toEqual(['adjustment', 'purchase', 'grant', 'usage', 'usage', 'usage', 'usage', 'usage', 'usage']);
    expect(all.entries.reduce((sum, entry) => sum + entry.amountMicros, 0)).toBe(5_997_000);

    const first = await billing.ledger({ orgId: ids.orgA, kind: 'usage', limit: 4 });
    const second = await billing.ledger({ orgId: ids.orgA, kind: 'usage', limit: 4, cursor: first.nextCursor ?? undefined });
    expect(second.nextCursor).toBeNull();
    expect([...first.entries, ...second.entries].map((entry) => [entry.usageRequestId, entry.amountMicros]).sort()).toEqual([
      ['e1', -100],
      ['e2', -200],
      ['e3', -300],
      ['e5', -500],
      ['e6', -600],
      ['e7', -700],
    ]);
    expect(first.entries.map((entry) => Number(entry.id))).toEqual([...first.entries.map((entry) => Number(entry.id))].sort((a, b) => b - a));
  });

  test("a member sees their own usage and nobody else's", async () => {
    const member = await testApp.createAdmin('member-own@a.example');
    await testApp.app.services.prisma.membership.create({ data: { orgId: ids.orgA, userId: member.userId, role: 'member' } });
    const key = await testApp.app.services.prisma.apiKey.create({
      data: { orgId: ids.orgA, userId: member.userId, name: 'own', keyHash: 'hash-own', prefix: 'sk-gw-', last4: 'own1' },
    });
    await testApp.caller(testApp.app.dataPlaneToken).dataPlane.ingestUsage({
      events: [
        event('own-1', '2026-10-20T09:00:00.000Z', { userId: member.userId, apiKeyId: key.id, requestedModel: 'm/a', costMicros: 11 }),
        event('own-2', '2026-10-21T15:00:00.000Z', { userId: member.userId, apiKeyId: key.id, requestedModel: 'm/b', costMicros: 22, byok: true }),
        event('not-own', '2026-10-20T10:00:00.000Z', { userId: ids.user1, apiKeyId: ids.key1, requestedModel: 'm/a', costMicros: 1000 }),
      ],
    });
    const own = testApp.caller(member.token).billing;
    const range = { orgId: ids.orgA, from: '2026-10-19T12:00:00.000Z', to: '2026-10-21T18:00:00.000Z' };
    const summary = await own.myUsage({ ...range, groupBy: ['key'] });
    expect(summary.totals).toMatchObject({ requests: 2, billedCostMicros: 11, byokCostMicros: 22 });
    expect(summary.groups.map((group) => [group.apiKeyName, group.requests])).toEqual([['own', 2]]);
    await expect(own.usage(range)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    // Billing sees the whole org in the same range: the member's two requests and user1's.
    expect((await billing.usage(range)).totals).toMatchObject({ requests: 3, billedCostMicros: 1011, byokCostMicros: 22 });
  });

  test("limits: the balance for those who see money, the caller's daily limit and the budgeted keys' windows, with today's spend", async () => {
    const prisma = testApp.app.services.prisma;
    const org = await prisma.organization.create({ data: { name: 'Limits', policy: { create: { dailyLimitMicros: 1_000_000n } } } });
    const owner = await testApp.createAdmin('owner@limits.example');
    const member = await testApp.createAdmin('member@limits.example');
    await prisma.membership.createMany({
      data: [
        { orgId: org.id, userId: owner.userId, role: 'owner' },
        { orgId: org.id, userId: member.userId, role: 'member', dailyLimitMicros: 300_000n },
      ],
    });
    const ownerCalls = testApp.caller(owner.token);
    const budgeted = await ownerCalls.apiKeys.create({
      orgId: org.id,
      userId: member.userId,
      name: 'budgeted',
      budget: { dailyMicros: 500_000, weeklyMicros: 2_000_000, timeZone: 'Asia/Tokyo' },
    });
    await ownerCalls.apiKeys.create({ orgId: org.id, name: 'unbudgeted' });
    await ownerCalls.apiKeys.create({ orgId: org.id, name: "the owner's budgeted", budget: { monthlyMicros: 9_000_000 } });
    // A second ago: inside today's windows however the test's clock falls, short of a midnight.
    const justNow = new Date(Date.now() - 1000).toISOString();
    await testApp.caller(testApp.app.dataPlaneToken).dataPlane.ingestUsage({
      events: [
        usageEvent({ requestId: 'lim-1', orgId: org.id, userId: member.userId, apiKeyId: budgeted.id, startedAt: justNow, costMicros: 100_000 }),
        usageEvent({ requestId: 'lim-2', orgId: org.id, userId: member.userId, apiKeyId: budgeted.id, startedAt: justNow, costMicros: 25_000 }),
        // BYOK costs the org nothing and counts against no limit.
        usageEvent({ requestId: 'lim-3', orgId: org.id, userId: member.userId, apiKeyId: budgeted.id, startedAt: justNow, costMicros: 7, byok: true }),
      ],
    });

    const seenByOwner = await ownerCalls.billing.limits({ orgId: org.id });
    expect(seenByOwner.balanceMicros).toBe(-125_000);
    // The owner has no limit of their own: the org's default applies, and they spent nothing.
    expect(seenByOwner.member).toMatchObject({ limitMicros: 1_000_000, spentMicros: 0 });
    expect(
      seenByOwner.keys.map((key) => [key.name, key.timeZone, key.windows.map((window) => [window.period, window.limitMicros, window.spentMicros])]),
    ).toEqual([
      ["the owner's budgeted", 'UTC', [['monthly', 9_000_000, 0]]],
      [
        'budgeted',
        'Asia/Tokyo',
        [
          ['daily', 500_000, 125_000],
          ['weekly', 2_000_000, 125_000],
        ],
      ],
    ]);
    expect(seenByOwner.keys[1]!.windows[0]!.resetsAt.getTime()).toBeGreaterThan(Date.now());

    const seenByMember = await testApp.caller(member.token).billing.limits({ orgId: org.id });
    // A member sees no money, their own limit (overriding the default) and spend, and only their own keys.
    expect(seenByMember).toMatchObject({ balanceMicros: null, member: { limitMicros: 300_000, spentMicros: 125_000 } });
    expect(seenByMember.keys.map((key) => key.name)).toEqual(['budgeted']);
    await expect(billing.limits({ orgId: org.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
