// A hold lives as long as its request: renewed while the request runs (a long stream keeps its
// reservation), and no more once it was settled or released, so it then lapses or is gone.
import { afterEach, describe, expect, it } from 'vitest';
import { FUNDED_SPEND_FLOOR } from '../testing/data-plane-fixture.ts';
import type { CounterStore } from './counter-store.ts';
import { createInProcessCounterStore } from './in-process-counter-store.ts';
import { createSpendEnforcer, type SpendEnforcer } from './spend-enforcer.ts';
import { spendTestCandidates, spendTestEstimate, spendTestPrincipal } from './spend-fixtures.ts';

const principal = spendTestPrincipal;
const candidates = spendTestCandidates;
const estimate = spendTestEstimate;

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
