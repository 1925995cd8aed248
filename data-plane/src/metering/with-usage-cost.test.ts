// A complete answer as the client gets it: the requested model, the cost inside `usage`, and every other
// member of the upstream's JSON kept where it was (a `__proto__` member too: it is data, not a prototype).
import { describe, expect, it } from 'vitest';
import { sampleUsageEvent } from '../../../test/support/usage-event.ts';
import { meteringHeaders, withUsageCost } from './with-usage-cost.ts';

const event = { ...sampleUsageEvent('req_1'), costMicros: 1_500, upstreamCostMicros: null };

describe('withUsageCost', () => {
  it('renames the model and adds the cost after the usage members, keeping the order of the rest', () => {
    const upstream = '{"id":"c1","model":"served-model","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":7},"system_fingerprint":"fp"}';
    expect(withUsageCost(upstream, event, 'provider/model')).toBe(
      '{"id":"c1","model":"provider/model","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":7,"cost":0.0015,"cost_microdollars":1500},"system_fingerprint":"fp"}',
    );
  });

  it('replaces an upstream cost member where it is, and spreads a usage array into an object as before', () => {
    const upstream = '{"model":"m","usage":{"cost":9,"prompt_tokens":1}}';
    expect(withUsageCost(upstream, event, 'provider/model')).toBe(
      '{"model":"provider/model","usage":{"cost":0.0015,"prompt_tokens":1,"cost_microdollars":1500}}',
    );
    const parsedBody = { model: 'provider/model', usage: [3, 4] };
    expect(withUsageCost(JSON.stringify(parsedBody), event, 'provider/model', parsedBody)).toBe(
      '{"model":"provider/model","usage":{"0":3,"1":4,"cost":0.0015,"cost_microdollars":1500}}',
    );
  });

  it('keeps a __proto__ member of the answer and of its usage as a member', () => {
    const upstream = '{"__proto__":{"a":1},"model":"m","usage":{"__proto__":{"b":2},"prompt_tokens":1}}';
    expect(withUsageCost(upstream, event, 'provider/model')).toBe(
      '{"__proto__":{"a":1},"model":"provider/model","usage":{"__proto__":{"b":2},"prompt_tokens":1,"cost":0.0015,"cost_microdollars":1500}}',
    );
  });
});

describe('meteringHeaders', () => {
  it('says the cost, the time to first byte when there was one, and the latency, in that order', () => {
    expect(Object.entries(meteringHeaders({ ...event, ttftMs: 12.5, totalLatencyMs: 40.25 }))).toEqual([
      ['x-gateway-cost-microdollars', '1500'],
      ['x-gateway-ttft-ms', '12.5'],
      ['x-gateway-latency-ms', '40.25'],
    ]);
    expect(Object.entries(meteringHeaders({ ...event, ttftMs: null, totalLatencyMs: 3 }))).toEqual([
      ['x-gateway-cost-microdollars', '1500'],
      ['x-gateway-latency-ms', '3'],
    ]);
  });
});
