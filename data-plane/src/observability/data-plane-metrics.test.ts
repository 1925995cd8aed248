// The gauges a request moves (open streams, spend reservations held) read at a scrape what the requests
// left them at, and a run of requests of one combination counts under its own labels only.
import { describe, expect, it } from 'vitest';
import { DataPlaneMetrics } from './data-plane-metrics.ts';

const gauges = { snapshot: () => null, spoolBacklog: async () => ({ segments: 0, bytes: 0, oldestEventAgeMs: null }), usageShipFailures: () => 0 };

describe('DataPlaneMetrics', () => {
  it('scrapes the open streams and the reservations held as the requests left them', async () => {
    const metrics = new DataPlaneMetrics(gauges);
    metrics.streamOpened();
    metrics.streamOpened();
    metrics.streamClosed();
    for (const delta of [1, 1, 1, -1] as const) metrics.reservationHeld(delta);
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/^gateway_open_streams 1$/m);
    expect(text).toMatch(/^gateway_spend_reservations_held 2$/m);
    metrics.streamClosed();
    metrics.reservationHeld(-1);
    metrics.reservationHeld(-1);
    expect(await metrics.registry.metrics()).toMatch(/^gateway_open_streams 0$/m);
    expect(await metrics.registry.metrics()).toMatch(/^gateway_spend_reservations_held 0$/m);
  });

  it('counts each request under its own labels, runs of one combination and changes between them', async () => {
    const metrics = new DataPlaneMetrics(gauges);
    const requests = [
      ['m1', 'p', 200],
      ['m1', 'p', 200],
      ['m1', 'p', 500],
      ['m2', 'p', 200],
      ['m1', 'p', 200],
    ] as const;
    for (const [model, provider, status] of requests) metrics.forRequest('/v1/chat/completions', 'openai-chat', model, provider, status).requests.inc();
    const text = await metrics.registry.metrics();
    const count = (model: string, status: number) =>
      Number(
        new RegExp(
          `^gateway_requests_total\\{route="/v1/chat/completions",door="openai-chat",model="${model}",provider="p",status="${status}"\\} (\\d+)$`,
          'm',
        ).exec(text)?.[1],
      );
    expect([count('m1', 200), count('m1', 500), count('m2', 200)]).toEqual([3, 1, 1]);
  });
});
