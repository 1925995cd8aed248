// The spool's usage-event JSON must be the text JSON.stringify writes for the same event, whatever its
// strings and numbers hold: the control plane parses it, and a member the writer forgot would be lost.
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { boundUsageEvent, usageEventSchema, type UsageEvent } from '../../../shared/src/usage-event.ts';
import { sampleUsageEvent } from '../../../test/support/usage-event.ts';
import { decodeSpoolRecord, encodeSpoolRecord, spoolRecordOfJson } from './spool-record.ts';
import { usageEventJsonBound, writeUsageEventJson } from './usage-event-json.ts';

/** As the meter makes it: its members in the schema's order, bounded. */
function event(fields: Partial<UsageEvent>): UsageEvent {
  const merged: UsageEvent = { ...sampleUsageEvent('r-1'), ...fields };
  return boundUsageEvent(Object.fromEntries(Object.keys(usageEventSchema.shape).map((key) => [key, merged[key as keyof UsageEvent]])) as UsageEvent);
}

const events = [
  event({}),
  event({ upstreamCostMicros: 12, ttftMs: null, upstreamLatencyMs: null, finishReason: null, errorCode: 'upstream_error', byok: true, streamed: true }),
  event({ servedModel: 'quote " backslash \\ newline \n tab \t ünïcödé 🙂', requestedModel: 'm\u0001', totalLatencyMs: 0.1 + 0.2 }),
  event({ orgId: 'other-org', promptTokens: 1_000_000_000, costMicros: 1_000_000_000_000_000, usageEstimated: true }),
  event({ requestId: 'lone \ud800 surrogate, delete \u007f', finishReason: '"stop"', ttftMs: -0, upstreamLatencyMs: 1e-7, totalLatencyMs: 123456.789 }),
  // Timings in thousandths (written digit by digit) and the edges of that path.
  event({ ttftMs: 12.5, upstreamLatencyMs: 0.001, totalLatencyMs: 4294967295.999 }),
  event({ ttftMs: 0.0005, upstreamLatencyMs: 2 ** 32 + 0.5, totalLatencyMs: 1000.01 }),
  // Not bounded: numbers and strings past the schema's limits are still written as JSON.stringify writes them.
  {
    ...event({}),
    promptTokens: 2 ** 60,
    completionTokens: -3,
    cacheReadTokens: Number.NaN,
    costMicros: Number.POSITIVE_INFINITY,
    servedModel: '\u0000'.repeat(5000),
  },
];

function json(each: UsageEvent): string {
  const out = Buffer.alloc(usageEventJsonBound(each) + 3);
  const end = writeUsageEventJson(each, out, 3);
  return out.toString('utf8', 3, end);
}

describe('writeUsageEventJson', () => {
  it('writes what JSON.stringify writes', () => {
    // Twice each, and interleaved: the caller's members are kept from the last event.
    for (const each of [...events, ...[...events].reverse()]) expect(json(each)).toBe(JSON.stringify(each));
  });
});

describe('encodeSpoolRecord', () => {
  it("gives the record's bytes: the JSON's crc32 in 8 hex digits, a space, the JSON and a newline, behind `p ` when provisional", () => {
    for (const each of events) {
      const text = JSON.stringify(each);
      const line = `${crc32(text).toString(16).padStart(8, '0')} ${text}\n`;
      const record = encodeSpoolRecord(each);
      expect(Buffer.isBuffer(record)).toBe(true);
      expect(record.toString('utf8')).toBe(line);
      expect(encodeSpoolRecord(each, true).toString('utf8')).toBe(`p ${line}`);
      expect(spoolRecordOfJson(Buffer.from(text)).toString('utf8')).toBe(line);
    }
  });

  it('decodes back to the event', () => {
    const record = encodeSpoolRecord(events[2]!, true).toString('utf8');
    expect(decodeSpoolRecord(record.slice(0, -1))).toEqual({ ok: true, event: events[2], provisional: true });
  });
});
