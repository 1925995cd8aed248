// A complete answer as the client gets it: the requested model, the cost inside `usage`, and every other
// member of the upstream's JSON kept where it was (a `__proto__` member too: it is data, not a prototype).
import { describe, expect, it } from 'vitest';
import type { UsageEvent } from '../../../shared/src/usage-event.ts';
import { sampleUsageEvent } from '../../../test/support/usage-event.ts';
import { meteringHeaders, millisecondsText, withUsageCost } from './with-usage-cost.ts';

const event: UsageEvent = { ...sampleUsageEvent('req_1'), costMicros: 1_500, upstreamCostMicros: null };

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

describe('withUsageCost on the upstream text', () => {
  const withUpstreamCost = { ...event, upstreamCostMicros: 250 };

  /** What serialising the parsed answer gives (the JSON the splice must equal), as before the splice. */
  function serialised(text: string, model: string, costEvent = event): string {
    const record = JSON.parse(text) as Record<string, unknown>;
    if (typeof record.model === 'string') record.model = model;
    const usage = record.usage;
    if (usage !== null && typeof usage === 'object') {
      const fields: Record<string, unknown> = { cost: costEvent.costMicros / 1e6, cost_microdollars: costEvent.costMicros };
      if (costEvent.upstreamCostMicros !== null) fields.cost_details = { upstream_inference_cost: costEvent.upstreamCostMicros / 1e6 };
      record.usage = Object.assign(usage, fields);
    }
    return JSON.stringify(record);
  }

  it('keeps the upstream bytes (spacing, escapes, number spelling) and splices only the model and the cost', () => {
    const upstream = '{ "id": "c\\u00e9", "model": "served",\n "choices": [{"n": 1.50, "usage": {}}],\n "usage": { "prompt_tokens": 5 } }\n';
    const expected =
      '{ "id": "c\\u00e9", "model": "provider/model",\n "choices": [{"n": 1.50, "usage": {}}],\n "usage": { "prompt_tokens": 5 ,"cost":0.0015,"cost_microdollars":1500} }\n';
    expect(withUsageCost(upstream, event, 'provider/model')).toBe(expected);
    const bytes = Buffer.from(upstream);
    const spliced = withUsageCost(bytes, event, 'provider/model', JSON.parse(upstream) as object, upstream);
    expect(Buffer.isBuffer(spliced)).toBe(true);
    expect(spliced.toString()).toBe(expected);
  });

  it('gives the same JSON as serialising the answer, whatever its layout', () => {
    const answers = [
      '{"id":"c1","model":"served","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":7}}',
      '{"usage":{"prompt_tokens":5},"choices":[{"message":{"content":"a \\"usage\\": {} }"}}],"model":"served"}',
      '{"model":"served","usage":{ }}',
      '{"model":"provider/model","usage":{"prompt_tokens":1}}',
      '{"model":"served","usage":null}',
      '{"model":7,"usage":{"prompt_tokens":1}}',
      '{"model":"served","choices":[{"message":{"content":"héllo wörld ✓ 𝄞"}}],"usage":{"total_tokens":3}}',
      '{"mod\\u0065l":"served","usage":{"prompt_tokens":1}}',
      '{"model":"served","usage":{"prompt_tokens":1},"usage":{"prompt_tokens":2}}',
      '{"model":"served","usage":{"cost_details":{"x":1},"prompt_tokens":1}}',
      '{"__proto__":{"model":"x"},"model":"served","usage":{"__proto__":{"b":2}}}',
    ];
    for (const answer of answers) {
      for (const costEvent of [event, withUpstreamCost]) {
        const expected = serialised(answer, 'provider/model', costEvent);
        const asText = withUsageCost(answer, costEvent, 'provider/model');
        const asBytes = withUsageCost(Buffer.from(answer), costEvent, 'provider/model', JSON.parse(answer) as object, answer);
        for (const spliced of [asText, asBytes]) expect(JSON.stringify(JSON.parse(spliced.toString()))).toBe(expected);
      }
    }
  });

  it('sends a UTF-8 answer as text and an ASCII one as bytes', () => {
    const utf8 = '{"model":"served","content":"é","usage":{}}';
    const spliced = withUsageCost(Buffer.from(utf8), event, 'provider/model', JSON.parse(utf8) as object, utf8);
    expect(spliced).toBe('{"model":"provider/model","content":"é","usage":{"cost":0.0015,"cost_microdollars":1500}}');
    const ascii = '{"model":"served","content":"e","usage":{}}';
    const bytes = withUsageCost(Buffer.from(ascii), event, 'provider/model', JSON.parse(ascii) as object, ascii);
    expect(Buffer.isBuffer(bytes)).toBe(true);
    expect(bytes.toString()).toBe('{"model":"provider/model","content":"e","usage":{"cost":0.0015,"cost_microdollars":1500}}');
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

describe('millisecondsText', () => {
  it('writes a timing as String does, for thousandths of every size and anything else', () => {
    const values: number[] = [0, -0, 0.001, 0.01, 0.1, 0.999, 1, 9.99, 10.05, 123.456, 4294967.295, 2 ** 32 / 1000, 1e-7, -1.5, 1.2345, 1e21, NaN, Infinity];
    for (let thousandths = 0; thousandths < 20_000; thousandths += 1) values.push(thousandths / 1000);
    for (let step = 0; step < 20_000; step += 1) values.push(Math.round(Math.random() * 2 ** 32) / 1000, Math.round(Math.random() * 1e7) / 1000);
    // As request-meter.ts rounds a difference of clock readings.
    for (let step = 0; step < 20_000; step += 1) values.push(Math.round(Math.random() * 5000 * 1000) / 1000);
    for (const value of values) expect(millisecondsText(value), String(value)).toBe(String(value));
  });
});
