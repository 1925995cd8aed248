import { describe, expect, it } from 'vitest';
import { EndpointHealth, type EndpointKey } from './endpoint-health.ts';

const endpoint: EndpointKey = { providerId: 'prov_a', upstreamModel: 'model-a' };

function clocked(options: { consecutiveFailures?: number; baseEjectionMs?: number; maxEjectionMs?: number } = {}) {
  const clock = { now: 1_000 };
  const events: string[] = [];
  const health = new EndpointHealth({
    consecutiveFailures: 3,
    baseEjectionMs: 100,
    maxEjectionMs: 250,
    ...options,
    now: () => clock.now,
    observer: {
      ejected: (key, cooldownMs, ejections) => events.push(`ejected ${key.providerId} for ${cooldownMs} (${ejections})`),
      restored: (key) => events.push(`restored ${key.providerId}`),
    },
  });
  const attempt = (outcome: 'success' | 'failure' | 'aborted', ttftMs = 10) => {
    const stats = health.statsOf(endpoint);
    health.attemptStarted(stats);
    health.attemptEnded(stats, outcome, ttftMs);
  };
  return { clock, events, health, attempt, stats: () => health.statsOf(endpoint) };
}

describe('EndpointHealth', () => {
  it('keeps one record per provider and upstream model, found again by a new snapshot’s endpoint object', () => {
    const health = new EndpointHealth();
    const stats = health.statsOf(endpoint);
    expect(health.statsOf({ ...endpoint })).toBe(stats);
    expect(health.statsOf({ providerId: 'prov_a', upstreamModel: 'other' })).not.toBe(stats);
  });

  it('averages TTFT and throughput (EWMA) and the error rate of attempts', () => {
    const { health, attempt, stats } = clocked({ consecutiveFailures: 100 });
    attempt('success', 100);
    expect(stats().ttftMs).toBe(100);
    attempt('success', 200);
    expect(stats().ttftMs).toBeCloseTo(130);
    health.recordThroughput(endpoint, 50, 1000);
    expect(stats().tokensPerSecond).toBe(50);
    health.recordThroughput(endpoint, 150, 1000);
    expect(stats().tokensPerSecond).toBeCloseTo(80);
    // Nothing generated, or no upstream time: no sample.
    health.recordThroughput(endpoint, 0, 1000);
    health.recordThroughput(endpoint, 10, null);
    expect(stats().tokensPerSecond).toBeCloseTo(80);
    attempt('failure');
    expect(stats().errorRate).toBeCloseTo(0.1);
    attempt('aborted');
    expect(stats().errorRate).toBeCloseTo(0.1);
    attempt('success');
    expect(stats().errorRate).toBeCloseTo(0.09);
  });

  it('ejects after N failures in a row, for a cool-down that grows with each failed probe, up to the maximum', () => {
    const { clock, events, attempt, stats } = clocked();
    attempt('failure');
    attempt('failure');
    attempt('success');
    attempt('failure');
    attempt('failure');
    expect(stats().isEjected(clock.now)).toBe(false);
    attempt('failure');
    expect(events).toEqual(['ejected prov_a for 100 (1)']);
    expect(stats().isEjected(clock.now + 99)).toBe(true);
    // Cool-down over: back in the order, and the next attempt is the probe; others skip it while it is in flight.
    clock.now += 100;
    expect(stats().isEjected(clock.now)).toBe(false);
    attempt('failure');
    expect(events.at(-1)).toBe('ejected prov_a for 200 (2)');
    clock.now += 200;
    attempt('failure');
    expect(events.at(-1)).toBe('ejected prov_a for 250 (3)');
    clock.now += 250;
    attempt('success');
    expect(events.at(-1)).toBe('restored prov_a');
    expect(stats().isEjected(clock.now)).toBe(false);
    // Restored: ejected again only after N failures in a row, for the base cool-down.
    attempt('failure');
    attempt('failure');
    expect(events).toHaveLength(4);
    attempt('failure');
    expect(events.at(-1)).toBe('ejected prov_a for 100 (1)');
  });

  it('counts a probe in flight as ejected, and a probe the client aborted leaves the next attempt to probe', () => {
    const { clock, health, attempt, stats } = clocked({ consecutiveFailures: 1 });
    attempt('failure');
    clock.now += 100;
    const probe = stats();
    health.attemptStarted(probe);
    expect(probe.isEjected(clock.now)).toBe(true);
    health.attemptEnded(probe, 'aborted');
    expect(probe.isEjected(clock.now)).toBe(false);
    expect(probe.ejectedUntil).not.toBe(0);
  });

  it('a success while ejected (tried because nothing else was left) restores the endpoint', () => {
    const { clock, events, attempt, stats } = clocked({ consecutiveFailures: 1 });
    attempt('failure');
    expect(stats().isEjected(clock.now)).toBe(true);
    attempt('success');
    expect(events).toEqual(['ejected prov_a for 100 (1)', 'restored prov_a']);
    expect(stats().isEjected(clock.now)).toBe(false);
  });
});
