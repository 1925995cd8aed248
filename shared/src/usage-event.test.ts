import { afterEach, describe, expect, it, vi } from 'vitest';
import { sampleUsageEvent } from '../../test/support/usage-event.ts';
import { boundUsageEvent, USAGE_EVENT_LIMITS, type UsageEvent } from './usage-event.ts';

type CallerStrings = Pick<UsageEvent, 'orgId' | 'userId' | 'apiKeyId' | 'requestedModel' | 'servedModel' | 'providerId'>;

const CALLER: CallerStrings = {
  orgId: 'org_01JABCDEFGHJKMNPQRSTVWXYZ0',
  userId: 'user_01JABCDEFGHJKMNPQRSTVWXYZ',
  apiKeyId: 'key_01JABCDEFGHJKMNPQRSTVWXYZ0',
  requestedModel: 'simulator/gpt-4o-mini',
  servedModel: 'gpt-4o-mini-2024-07-18',
  providerId: 'prov_01JABCDEFGHJKMNPQRSTVWXYZ0',
};

function bounded(requestId: string, caller: Partial<CallerStrings>): UsageEvent {
  return boundUsageEvent({ ...sampleUsageEvent(requestId), ...CALLER, ...caller });
}

/** The same text as `value`, made anew (not the same string object). */
function copyOf(value: string): string {
  return [...value].join('');
}

afterEach(() => vi.restoreAllMocks());

describe('boundUsageEvent', () => {
  it("does not scan again the caller's strings it last found within bounds", () => {
    bounded('r1', {});
    const includes = vi.spyOn(String.prototype, 'includes');
    const event = bounded('r2', {});
    // The request id and the finish reason only (8 before): the six caller strings are the ones just checked.
    expect(event.finishReason).not.toBeNull();
    expect(includes).toHaveBeenCalledTimes(2);
    expect(event).toMatchObject(CALLER);
  });

  it('still refuses a bad string in each caller member, whatever was checked before it', () => {
    const longId = 'o'.repeat(USAGE_EVENT_LIMITS.idLength + 1);
    const longText = 'm'.repeat(USAGE_EVENT_LIMITS.textLength + 1);
    for (const key of Object.keys(CALLER) as (keyof CallerStrings)[]) {
      const good = CALLER[key];
      const long = key === 'requestedModel' || key === 'servedModel' ? longText : longId;
      // Each bad string follows an event whose same member was checked and kept: a NUL in place of one
      // character (same length), a lone surrogate, a string too long.
      const cases: [string, string][] = [
        [`${good.slice(0, 3)}\u0000${good.slice(4)}`, `${good.slice(0, 3)}${good.slice(4)}`],
        [`${good.slice(0, -1)}\uD800`, good.slice(0, -1)],
        [long, long.slice(0, long === longText ? USAGE_EVENT_LIMITS.textLength : USAGE_EVENT_LIMITS.idLength)],
      ];
      for (const [bad, kept] of cases) {
        expect(bounded('good', { [key]: copyOf(good) })[key]).toBe(good);
        expect(bounded('bad', { [key]: bad })[key]).toBe(kept);
        // A bad string is not remembered: the same one again is cleaned again.
        expect(bounded('bad again', { [key]: copyOf(bad) })[key]).toBe(kept);
      }
    }
  });
});
