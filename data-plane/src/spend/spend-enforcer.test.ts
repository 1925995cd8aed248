// A hold lives as long as its request: renewed while the request runs (a long stream keeps its
// reservation), and no more once it was settled or released, so it then lapses or is gone.
import { afterEach, describe, expect, it } from 'vitest';
import { snapshotPricesSchema } from '../../../shared/src/snapshot.ts';
import { FUNDED_SPEND_FLOOR } from '../testing/data-plane-fixture.ts';
import type { CounterStore } from './counter-store.ts';
import { createInProcessCounterStore } from './in-process-counter-store.ts';
import { createSpendEnforcer, type SpendEnforcer } from './spend-enforcer.ts';

const principal = {
  apiKey: { id: 'key_1', orgId: 'org_1', userId: 'user_1', name: 'key', expiresAt: null, scopes: { models: null, providers: null } },
  org: { id: 'org_1', name: 'Org', allowedModels: null, allowedProviders: null, deniedProviders: [], dailyLimitMicros: null, userDailyLimitMicros: {} },
};
const candidates = [
  {
    model: { maxOutputTokens: null },
    endpoint: { prices: snapshotPricesSchema.parse({ prompt: 3_000, completion: 15_000, cacheRead: null, cacheWrite: null }) },
    byok: false,
  },
];
const estimate = { promptTokens: 10, maxOutputTokens: 10 };

let enforcer: SpendEnforcer | null = null;
afterEach(async () => {
  await enforcer?.close();
  enforcer = null;
});

/** The in-process store, noting which holds were renewed. */
function observedStore(): { store: CounterStore; renewed: string[] } {
  const inner = createInProcessCounterStore();
  const renewed: string[] = [];
  const store: CounterStore = {
    reserve: (...args) => inner.reserve(...args),
    extend: (id, ttlMs, counters) => {
      renewed.push(id);
      return inner.extend(id, ttlMs, counters);
    },
    settle: (...args) => inner.settle(...args),
    release: (...args) => inner.release(...args),
    read: (...args) => inner.read(...args),
    unreachable: () => inner.unreachable(),
    close: () => inner.close(),
  };
  return { store, renewed };
}

describe('spend reservations', () => {
  it('renews every hold in flight, and none once settled or released', async () => {
    const { store, renewed } = observedStore();
    enforcer = createSpendEnforcer({ store, spendFloor: () => FUNDED_SPEND_FLOOR, failOpen: false, reservationTtlMs: 30, log: () => {} });
    const settled = await enforcer.reserve('settled', principal, candidates, estimate);
    const released = await enforcer.reserve('released', principal, candidates, estimate);
    const running = await enforcer.reserve('running', principal, candidates, estimate);
    await expect.poll(() => ['settled', 'released', 'running'].every((id) => renewed.includes(id))).toBe(true);

    await settled.settle({ byok: false, costMicros: 1 });
    released.release();
    renewed.length = 0;
    await expect.poll(() => renewed.filter((id) => id === 'running').length).toBeGreaterThanOrEqual(2);
    expect(renewed.filter((id) => id !== 'running')).toEqual([]);
    running.release();
  });
});
