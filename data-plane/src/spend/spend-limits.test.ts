// Spend enforcement on one data plane (in-process counters), seen from the client: 402 and 429 bodies,
// retry-after, GET /usage, free models, and holds released when a request fails. The fake control plane
// publishes the org's limits (snapshot) and its credits and ledger totals (spend floor) exactly as a test sets them.
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { useSimulatedDataPlane } from '../../../test/support/simulated-data-plane.ts';
import { computeBudgetWindows } from '../../../shared/src/budget-windows.ts';
import { hashSecret } from '../../../shared/src/crypto.ts';
import { snapshotOrgSchema, snapshotPricesSchema, type SnapshotState } from '../../../shared/src/snapshot.ts';
import type { OrgSpendFloor } from '../../../shared/src/spend-floors.ts';
import type { z } from 'zod';
import { FUNDED_SPEND_FLOOR, TEST_API_KEY, TEST_MODEL, testSnapshotState } from '../testing/data-plane-fixture.ts';

const { simulator, fixture } = useSimulatedDataPlane({ each: true, upstreamKey: 'sk-upstream-secret', fixture: { upstreamTimeoutMs: 2_000 } });

const today = () => new Date().toISOString().slice(0, 10);
const nextMidnightMs = (nowMs: number) => (Math.floor(nowMs / 86_400_000) + 1) * 86_400_000;

type OrgChange = Partial<Pick<z.input<typeof snapshotOrgSchema>, 'dailyLimitMicros' | 'userDailyLimitMicros'>> & Partial<OrgSpendFloor>;

/**
 * Publishes org_alpha's spend floor and the fixture's state with org_alpha's limits changed, and waits
 * until the data plane has both (the floors travel first, on the same stream).
 */
async function publish(change: OrgChange, edit: (state: SnapshotState) => void = () => {}): Promise<void> {
  const { dailyLimitMicros, userDailyLimitMicros, ...floor } = change;
  const state = testSnapshotState(simulator.baseUrl);
  const limits = { ...(dailyLimitMicros === undefined ? {} : { dailyLimitMicros }), ...(userDailyLimitMicros ? { userDailyLimitMicros } : {}) };
  Object.assign(state.orgs.org_alpha!, snapshotOrgSchema.partial().parse(limits));
  edit(state);
  await fixture.controlPlane.publishSpendFloors({ org_alpha: { ...FUNDED_SPEND_FLOOR, usageDebitedMicros: 0, day: today(), userMicros: {}, ...floor } });
  await fixture.dataPlane.waitForSnapshot(await fixture.controlPlane.publish(state));
}

// 100 completion tokens at $15 / Mtok = 1500 µ$; the prompt adds 3 µ$ per estimated token ($3 / Mtok).
const chat = (model = TEST_MODEL) => ({ model, messages: [{ role: 'user', content: 'hello there gateway' }], max_tokens: 100 });

function post(body: unknown): Promise<Response> {
  return fetch(`${fixture.dataPlane.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_API_KEY}` },
    body: JSON.stringify(body),
  });
}

async function usage(prefix = '/v1') {
  const response = await fetch(`${fixture.dataPlane.url}${prefix}/usage`, { headers: { authorization: `Bearer ${TEST_API_KEY}` } });
  expect(response.status).toBe(200);
  return (await response.json()) as {
    day: string;
    resets_at: string;
    daily: { limit_micros: number | null; used_micros: number; in_flight_micros: number; remaining_micros: number | null; remaining_usd: number | null };
    balance: { credits_micros: number; spent_micros: number; in_flight_micros: number; available_micros: number; available_usd: number };
  };
}

type SpendError = { error: Record<string, unknown> & { code: string; type: string; message: string } };

/** The worst case the data plane reserves for `chat()`, read from the refusal when nothing can be afforded. */
async function reservedForChat(): Promise<number> {
  await publish({ creditsMicros: 0 });
  const refused = await post(chat());
  expect(refused.status).toBe(402);
  return ((await refused.json()) as SpendError).error.requested_micros as number;
}

describe('spend limits on one data plane', () => {
  it('refuses with 402 when the balance cannot cover the worst case, naming the amounts, without calling upstream', async () => {
    await publish({ creditsMicros: 1_000 });
    const response = await post(chat());
    expect(response.status).toBe(402);
    expect(response.headers.get('retry-after')).toBeNull();
    const { error } = (await response.json()) as SpendError;
    const requested = error.requested_micros as number;
    // Prompt at 3 µ$ a token on top of the 1500 µ$ the completion may cost.
    expect(requested).toBeGreaterThan(1_500);
    expect((requested - 1_500) % 3).toBe(0);
    expect(error).toMatchObject({
      code: 'insufficient_balance',
      type: 'insufficient_quota',
      limit: 'balance',
      limit_micros: 1_000,
      used_micros: 0,
      in_flight_micros: 0,
      available_micros: 1_000,
      limit_usd: 0.001,
      available_usd: 0.001,
      requested_usd: requested / 1_000_000,
      resets_at: null,
    });
    expect(error.message).toContain('$0.001000 available');
    expect(simulator.requests).toHaveLength(0);
  });

  it('refuses with 429 and retry-after until 00:00 UTC once the daily limit is spent, and GET /usage shows it', async () => {
    const reserved = await reservedForChat();
    // Room for exactly one worst case: after the first request settles its (smaller) actual cost, the
    // next worst case no longer fits.
    await publish({ creditsMicros: 1_000_000_000, dailyLimitMicros: reserved + 1 });
    const first = await post(chat());
    expect(first.status).toBe(200);
    const { usage: tokens } = (await first.json()) as { usage: { prompt_tokens: number; completion_tokens: number } };
    const cost = 3 * tokens.prompt_tokens + 15 * tokens.completion_tokens;
    expect(first.headers.get('x-gateway-cost-microdollars')).toBe(String(cost));

    const before = Date.now();
    const second = await post(chat());
    const after = Date.now();
    expect(second.status).toBe(429);
    const retryAfter = Number(second.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(Math.ceil((nextMidnightMs(after) - after) / 1000));
    expect(retryAfter).toBeLessThanOrEqual(Math.ceil((nextMidnightMs(before) - before) / 1000));
    const { error } = (await second.json()) as SpendError;
    expect(error).toMatchObject({
      code: 'daily_limit_exceeded',
      type: 'rate_limit_error',
      limit: 'daily',
      limit_micros: reserved + 1,
      used_micros: cost,
      in_flight_micros: 0,
      available_micros: reserved + 1 - cost,
      requested_micros: reserved,
      used_usd: cost / 1_000_000,
      resets_at: new Date(nextMidnightMs(before)).toISOString(),
    });
    expect(error.message).toContain('00:00 UTC');
    expect(simulator.requests).toHaveLength(1);

    for (const prefix of ['/v1', '/api/gateway']) {
      const summary = await usage(prefix);
      expect(summary).toMatchObject({
        day: today(),
        resets_at: new Date(nextMidnightMs(Date.now())).toISOString(),
        daily: { limit_micros: reserved + 1, used_micros: cost, in_flight_micros: 0, remaining_micros: reserved + 1 - cost },
        balance: { credits_micros: 1_000_000_000, spent_micros: cost, in_flight_micros: 0, available_micros: 1_000_000_000 - cost },
      });
    }
  });

  it("a user's own limit overrides the org default", async () => {
    const reserved = await reservedForChat();
    await publish({ creditsMicros: 1_000_000_000, dailyLimitMicros: 1_000_000, userDailyLimitMicros: { user_alpha: reserved - 1 } });
    const response = await post(chat());
    expect(response.status).toBe(429);
    expect(((await response.json()) as SpendError).error).toMatchObject({ limit: 'daily', limit_micros: reserved - 1 });
  });

  it('counts what the control plane already ingested (a restarted data plane does not start from zero)', async () => {
    // Ingested usage of another day does not count against today's limit.
    await publish({ creditsMicros: 5_000_000, day: '2020-01-01', userMicros: { user_alpha: 300_000 }, dailyLimitMicros: 1_000_000 });
    expect((await usage()).daily.used_micros).toBe(0);
    await publish({ creditsMicros: 5_000_000, usageDebitedMicros: 4_000_000, day: today(), userMicros: { user_alpha: 300_000 }, dailyLimitMicros: 1_000_000 });
    expect(await usage()).toMatchObject({
      daily: { limit_micros: 1_000_000, used_micros: 300_000, remaining_micros: 700_000 },
      balance: { credits_micros: 5_000_000, spent_micros: 4_000_000, available_micros: 1_000_000 },
    });
  });

  it('keeps enforcing the last spend floors after a restart while the control plane is down (they are kept on disk, signed)', async () => {
    await publish({ creditsMicros: 5_000_000, usageDebitedMicros: 4_000_000 });
    await fixture.dataPlane.close();
    await fixture.restart({ controlPlaneUrl: 'http://127.0.0.1:9' }); // nothing listens there
    expect((await usage()).balance).toMatchObject({ credits_micros: 5_000_000, spent_micros: 4_000_000, available_micros: 1_000_000 });
  });

  it('serves free models with no balance at all', async () => {
    await publish({ creditsMicros: 0 }, (state) => {
      const echo = state.models[TEST_MODEL]!;
      state.models['simulator/free'] = {
        ...echo,
        id: 'simulator/free',
        endpoints: [{ ...echo.endpoints[0]!, prices: snapshotPricesSchema.parse({ prompt: 0, completion: 0, cacheRead: null, cacheWrite: null }) }],
      };
    });
    const response = await post(chat('simulator/free'));
    expect(response.status).toBe(200);
    expect((await usage()).balance).toMatchObject({ spent_micros: 0, in_flight_micros: 0 });
  });

  it('releases the hold of a request the upstream failed, metered or not', async () => {
    const reserved = await reservedForChat();
    // Exactly one worst case fits: a hold that leaked would refuse the last request below.
    await publish({ creditsMicros: reserved });
    simulator.scenario = () => ({ status: 400 });
    expect((await post(chat())).status).toBe(400);
    expect((await usage()).balance).toMatchObject({ spent_micros: 0, in_flight_micros: 0 });

    // An upstream that cannot be reached: the request fails before it is metered.
    const closedPort = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    await publish({ creditsMicros: reserved }, (state) => {
      state.providers.prov_simulator!.baseUrl = `http://127.0.0.1:${closedPort}/v1`;
    });
    expect((await post(chat())).status).toBe(502);
    expect((await usage()).balance).toMatchObject({ spent_micros: 0, in_flight_micros: 0 });

    simulator.scenario = () => ({});
    await publish({ creditsMicros: reserved });
    expect((await post(chat())).status).toBe(200);
  });
});

describe('an upstream that answers far past max_tokens (issue 13, defect 3)', () => {
  // max_tokens 100, and 2,000 tokens back: 30,000 µ$ of completion, far past what the request held.
  const overReporting = () => ({ reply: 'word '.repeat(2_000) });
  const streamed = () => ({ ...chat(), stream: true, stream_options: { include_usage: true } });

  /**
   * Six at once, half streamed; the served ones' charged costs (their usage rows). A served stream is cut
   * past its reservation (stream-cost-ceiling.ts): it ends with the reservation_exceeded frame.
   */
  async function sixAtOnce(): Promise<{ statuses: number[]; charged: number[] }> {
    const responses = await Promise.all(Array.from({ length: 6 }, (_, index) => post(index % 2 === 0 ? chat() : streamed())));
    const served: string[] = [];
    for (const [index, response] of responses.entries()) {
      const text = await response.text();
      if (response.status !== 200) continue;
      served.push(response.headers.get('x-request-id')!);
      if (index % 2 === 1) expect(text).toMatch(/"code":"reservation_exceeded"[^\n]*\n\n$/);
    }
    await fixture.dataPlane.flushUsage();
    const charged = served.map((requestId) => fixture.controlPlane.usage.get(requestId)?.costMicros);
    return { statuses: responses.map((response) => response.status).sort(), charged: charged as number[] };
  }

  it('charges what each request held, so concurrent requests never take the balance below zero', async () => {
    const reserved = await reservedForChat();
    const credits = 3 * reserved + Math.floor(reserved / 2);
    await publish({ creditsMicros: credits });
    simulator.scenario = overReporting;
    const { statuses, charged } = await sixAtOnce();
    expect(statuses).toEqual([200, 200, 200, 402, 402, 402]);
    expect(charged).toEqual([reserved, reserved, reserved]);
    expect((await usage()).balance).toMatchObject({ spent_micros: 3 * reserved, in_flight_micros: 0, available_micros: credits - 3 * reserved });
  });

  it("and never take a member's daily limit past it", async () => {
    const reserved = await reservedForChat();
    await publish({ creditsMicros: 1_000_000_000, userDailyLimitMicros: { user_alpha: 2 * reserved + 1 } });
    simulator.scenario = overReporting;
    const { statuses, charged } = await sixAtOnce();
    expect(statuses).toEqual([200, 200, 429, 429, 429, 429]);
    expect(charged).toEqual([reserved, reserved]);
    expect((await usage()).daily).toMatchObject({ limit_micros: 2 * reserved + 1, used_micros: 2 * reserved, remaining_micros: 1 });
  });
});

describe("an API key's own budgets", () => {
  /** Sets key_alpha's budget in the published snapshot. */
  const withKeyBudget = (budget: { timeZone: string; dailyMicros?: number; weeklyMicros?: number; monthlyMicros?: number }) => (state: SnapshotState) => {
    state.apiKeys[hashSecret(TEST_API_KEY)]!.budget = { dailyMicros: null, weeklyMicros: null, monthlyMicros: null, ...budget } as never;
  };

  it('refuses with 429 key_budget_exceeded and retry-after until the next Monday in its time zone, and GET /usage shows the window', async () => {
    const reserved = await reservedForChat();
    await publish({ creditsMicros: 1_000_000_000 }, withKeyBudget({ timeZone: 'Asia/Tokyo', weeklyMicros: reserved + 1, monthlyMicros: 1_000_000 }));
    const first = await post(chat());
    expect(first.status).toBe(200);
    const cost = Number(first.headers.get('x-gateway-cost-microdollars'));

    const second = await post(chat());
    expect(second.status).toBe(429);
    const week = computeBudgetWindows('Asia/Tokyo', Date.now()).weekly;
    // Tokyo has no DST: its weeks start on Monday 00:00 +09:00, i.e. Sunday 15:00 UTC.
    expect(new Date(week.endMs).toISOString()).toMatch(/T15:00:00\.000Z$/);
    expect(new Date(week.endMs).getUTCDay()).toBe(0);
    const retryAfter = Number(second.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(Math.ceil((week.endMs - Date.now()) / 1000) + 1);
    expect(((await second.json()) as SpendError).error).toMatchObject({
      code: 'key_budget_exceeded',
      type: 'rate_limit_error',
      limit: 'key_weekly',
      limit_micros: reserved + 1,
      used_micros: cost,
      requested_micros: reserved,
      resets_at: new Date(week.endMs).toISOString(),
    });
    expect(simulator.requests).toHaveLength(1);

    const summary = (await (await fetch(`${fixture.dataPlane.url}/v1/usage`, { headers: { authorization: `Bearer ${TEST_API_KEY}` } })).json()) as {
      key_budget: Record<string, unknown>;
    };
    expect(summary.key_budget).toEqual({
      weekly: expect.objectContaining({
        window: week.key,
        limit_micros: reserved + 1,
        used_micros: cost,
        in_flight_micros: 0,
        remaining_micros: reserved + 1 - cost,
      }),
      monthly: expect.objectContaining({ limit_micros: 1_000_000, used_micros: cost, remaining_micros: 1_000_000 - cost }),
    });
    // The org's other counters saw the same spend; a key without a budget has no key_budget windows.
    expect(await usage()).toMatchObject({ balance: { spent_micros: cost } });
  });

  it("counts the key's spend the control plane already ingested in the current window, not in an earlier one", async () => {
    const windows = computeBudgetWindows('UTC', Date.now());
    const budget = withKeyBudget({ timeZone: 'UTC', dailyMicros: 1_000_000 });
    await publish({ creditsMicros: 1_000_000_000, keyWindowMicros: { 'key_alpha:daily:2020-01-01': 1_000_000 } }, budget);
    expect((await post(chat())).status).toBe(200);
    await publish({ creditsMicros: 1_000_000_000, keyWindowMicros: { [`key_alpha:daily:${windows.daily.key}`]: 999_999 } }, budget);
    const refused = await post(chat());
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as SpendError).error).toMatchObject({ code: 'key_budget_exceeded', limit: 'key_daily', limit_micros: 1_000_000 });
  });
});

describe('spend counters in an unreachable Redis', () => {
  it('fail closed by default (503 with retry-after) and serve without limits when fail-open is set', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    await fixture.dataPlane.close();
    await fixture.restart({ spend: { redisUrl: `redis://127.0.0.1:${closedPort}` } });
    await fixture.dataPlane.waitForSnapshot();
    const refused = await post(chat());
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(((await refused.json()) as SpendError).error.code).toBe('spend_counters_unavailable');

    await fixture.dataPlane.close();
    await fixture.restart({ spend: { redisUrl: `redis://127.0.0.1:${closedPort}`, failOpen: true } });
    await fixture.dataPlane.waitForSnapshot();
    expect((await post(chat())).status).toBe(200);
  });
});
