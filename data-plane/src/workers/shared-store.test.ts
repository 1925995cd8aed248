// The main thread's in-process counter store served to two clients, as two worker threads reach it:
// a burst of reservations from both, batched per turn, never holds more than the cap; a settlement
// (a cast, never answered) is applied before the reading its client asks for next; a call to a method
// the store lacks is refused with its name, and the calls after it are still answered.
import { MessageChannel } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import type { CounterStore, SpendCounter } from '../spend/counter-store.ts';
import { createInProcessCounterStore } from '../spend/in-process-counter-store.ts';
import { serveStore, storeClient, type StoreClient } from './shared-store.ts';

const clients: Array<StoreClient<CounterStore>> = [];
afterEach(() => {
  for (const client of clients.splice(0)) client.close();
});

function connect(store: CounterStore) {
  const channel = new MessageChannel();
  serveStore(channel.port1, store);
  const client = storeClient<CounterStore>(channel.port2);
  clients.push(client); // closing its port closes the owner's too
  return { ...client.calls(['reserve', 'read']), ...client.casts(['settle', 'release']) };
}

const balance: SpendCounter = { key: 'org:{org_a}', capMicros: 50_000, floorMicros: 0, retainMs: null };

describe('a store shared with worker threads', () => {
  it('holds a cap exactly across two clients, and applies a settlement before the next reading', async () => {
    const store = createInProcessCounterStore();
    const [first, second] = [connect(store), connect(store)];
    const outcomes = await Promise.all(
      Array.from({ length: 1000 }, (_, index) => (index % 2 === 0 ? first : second).reserve(`request-${index}`, 100, 60_000, [balance])),
    );
    expect(outcomes.filter((outcome) => outcome.ok)).toHaveLength(500);
    expect(await second.read([balance])).toEqual([{ settledMicros: 0, reservedMicros: 50_000 }]);

    const admitted = outcomes.flatMap((outcome, index) => (outcome.ok && index % 2 === 0 ? [`request-${index}`] : []));
    for (const id of admitted) void first.settle(id, 60, [balance]);
    expect(await first.read([balance])).toEqual([{ settledMicros: 60 * admitted.length, reservedMicros: 100 * (500 - admitted.length) }]);
  });

  it('refuses a method the store lacks, by name, and answers the calls after it', async () => {
    const store = createInProcessCounterStore();
    const channel = new MessageChannel();
    serveStore(channel.port1, store);
    const client = storeClient<CounterStore & { missing(): Promise<void> }>(channel.port2);
    clients.push(client as unknown as StoreClient<CounterStore>);
    const { missing, read } = client.calls(['missing', 'read']);
    const [refused, reading] = await Promise.allSettled([missing(), read([balance])]);
    expect(refused).toMatchObject({ status: 'rejected', reason: new Error('no store method missing') });
    expect(reading).toEqual({ status: 'fulfilled', value: [{ settledMicros: 0, reservedMicros: 0 }] });
  });
});
