// The spool's usage-event JSON must be the text JSON.stringify writes for the same event, whatever its
// strings hold: the control plane parses it, and a member the template forgot would be lost.
import { describe, expect, it } from 'vitest';
import { boundUsageEvent, type UsageEvent } from '../../../shared/src/usage-event.ts';
import { sampleUsageEvent } from '../../../test/support/usage-event.ts';
import { usageEventJson } from './usage-event-json.ts';

/** As the meter makes it: bounded, so the members are in the schema's order. */
function event(fields: Partial<UsageEvent>): UsageEvent {
  return boundUsageEvent({ ...sampleUsageEvent('r-1'), ...fields });
}

describe('usageEventJson', () => {
  it('writes what JSON.stringify writes', () => {
    const events = [
      event({}),
      event({ upstreamCostMicros: 12, ttftMs: null, upstreamLatencyMs: null, finishReason: null, errorCode: 'upstream_error', byok: true, streamed: true }),
      event({ servedModel: 'quote " backslash \\ newline \n tab \t ünïcödé 🙂', requestedModel: 'm\u0001', totalLatencyMs: 0.1 + 0.2 }),
      event({ orgId: 'other-org', promptTokens: 1_000_000_000, costMicros: 1_000_000_000_000_000, usageEstimated: true }),
    ];
    // Twice each, and interleaved: the caller's members are kept from the last event.
    for (const each of [...events, ...[...events].reverse()]) expect(usageEventJson(each)).toBe(JSON.stringify(each));
  });
});
