// A scrape reads from pending series what it reads from prom-client's own counters and histograms
// updated the same way: the same text, across several scrapes, with values on and around bucket bounds.
import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { PendingCounter, PendingHistogram } from './pending-series.ts';

const buckets = [0.025, 0.05, 0.1, 0.25, 1];
const labelNames = ['model', 'provider'] as const;

function both() {
  const plain = new Registry();
  const pending = new Registry();
  return {
    plain,
    pending,
    plainCounter: new Counter({ name: 'c_total', help: 'c', labelNames, registers: [plain] }),
    plainHistogram: new Histogram({ name: 'h_seconds', help: 'h', labelNames, buckets, registers: [plain] }),
    pendingCounter: new PendingCounter({ name: 'c_total', help: 'c', labelNames, registers: [pending] }),
    pendingHistogram: new PendingHistogram({ name: 'h_seconds', help: 'h', labelNames, buckets, registers: [pending] }),
  };
}

describe('pending series', () => {
  it('scrape as the prom-client series updated alike, scrape after scrape', async () => {
    const metrics = both();
    const a = { model: 'm"1', provider: 'p' };
    const b = { model: 'm2', provider: 'p' };
    const updates = [
      [a, 0.025, 3],
      [b, 0.0251, 1],
      [a, 7, 12],
      [a, 0.1, 1],
    ] as const;
    expect(await metrics.pending.metrics()).toBe(await metrics.plain.metrics());
    for (const [labels, seconds, count] of updates) {
      metrics.plainCounter.labels(labels).inc(count);
      metrics.plainHistogram.labels(labels).observe(seconds);
      const key = `${labels.model}\n${labels.provider}`;
      metrics.pendingCounter.series(key, labels).inc(count);
      metrics.pendingHistogram.series(key, labels).observe(seconds);
      expect(await metrics.pending.metrics()).toBe(await metrics.plain.metrics());
    }
    expect(await metrics.pending.metrics()).toContain('h_seconds_bucket{le="0.05",model="m\\"1",provider="p"} 1');
  });

  it('shows no series for labels nothing was counted under yet', async () => {
    const metrics = both();
    metrics.pendingCounter.series('x', { model: 'x', provider: 'x' });
    metrics.pendingHistogram.series('x', { model: 'x', provider: 'x' });
    expect(await metrics.pending.metrics()).toBe(await metrics.plain.metrics());
    expect(await metrics.pending.metrics()).not.toContain('model="x"');
  });
});
