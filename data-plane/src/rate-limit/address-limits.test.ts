import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../shared/src/errors.ts';
import { createAddressLimits } from './address-limits.ts';
import { createInProcessRateLimitStore } from './in-process-rate-limit-store.ts';
import type { RateLimitStore } from './rate-limit-store.ts';

const invalidKey = new GatewayError('invalid_api_key', 'Invalid API key.');

function limitsAt(options: { anonymousPerMinute: number; authFailuresPerMinute: number }, store?: RateLimitStore) {
  let nowMs = 1_000_000;
  const clock = () => nowMs;
  const lines: string[] = [];
  const limits = createAddressLimits(store ?? createInProcessRateLimitStore(clock), options, (line) => lines.push(line), clock);
  return { limits, lines, advance: (ms: number) => (nowMs += ms) };
}

describe('per-address limits', () => {
  it('refuse an address after its failed authentications, with any key, until the allowance has room again', async () => {
    const { limits, advance } = limitsAt({ anonymousPerMinute: 0, authFailuresPerMinute: 3 });
    for (let attempt = 0; attempt < 3; attempt++) expect(await limits.failedAuthentication('203.0.113.7', invalidKey)).toBe(invalidKey);
    expect(limits.refusal('203.0.113.7')).toBeNull();
    // Until an address is refused, no request's address needs reading (create-app.ts).
    expect(limits.refusesAny()).toBe(false);
    const over = await limits.failedAuthentication('203.0.113.7', invalidKey);
    expect(limits.refusesAny()).toBe(true);
    expect(over.code).toBe('rate_limit_exceeded');
    expect(over.details).toMatchObject({ scope: 'ip', limit: 'auth_failures', limit_per_minute: 3, retry_after_ms: 20_000 });
    expect(over.headers['retry-after']).toBe('20');
    // Now refused before any key is looked at; another address is not.
    expect(limits.refusal('203.0.113.7')?.headers['retry-after']).toBe('20');
    expect(limits.refusal('198.51.100.9')).toBeNull();
    advance(19_000);
    expect(limits.refusal('203.0.113.7')?.headers['retry-after']).toBe('1');
    advance(1_000);
    expect(limits.refusal('203.0.113.7')).toBeNull();
    expect(limits.refusesAny()).toBe(false);
    // One more failure fits, the next is refused again.
    expect(await limits.failedAuthentication('203.0.113.7', invalidKey)).toBe(invalidKey);
    expect((await limits.failedAuthentication('203.0.113.7', invalidKey)).code).toBe('rate_limit_exceeded');
  });

  it('count requests without a key per address, with the x-ratelimit headers, then 429', async () => {
    const { limits } = limitsAt({ anonymousPerMinute: 2, authFailuresPerMinute: 0 });
    expect(await limits.admitAnonymous('203.0.113.7')).toEqual({
      'x-ratelimit-limit-requests': '2',
      'x-ratelimit-remaining-requests': '1',
      'x-ratelimit-reset-requests': '30s',
    });
    await limits.admitAnonymous('203.0.113.7');
    const refused = await limits.admitAnonymous('203.0.113.7').catch((error: unknown) => error as GatewayError);
    expect(refused).toBeInstanceOf(GatewayError);
    expect((refused as GatewayError).details).toMatchObject({ scope: 'ip', limit: 'requests', limit_per_minute: 2 });
    expect((refused as GatewayError).headers).toMatchObject({ 'retry-after': '30', 'x-ratelimit-remaining-requests': '0' });
    expect(await limits.admitAnonymous('198.51.100.9')).not.toBeNull();
    // Failures are not limited at 0.
    expect(await limits.failedAuthentication('203.0.113.7', invalidKey)).toBe(invalidKey);
  });

  it('are off at 0 and fail open while the store is unreachable', async () => {
    expect(limitsAt({ anonymousPerMinute: 0, authFailuresPerMinute: 0 }).limits.enabled).toBe(false);
    const down: RateLimitStore = { ...createInProcessRateLimitStore(), unreachable: () => 'redis: connection closed' };
    const { limits, lines } = limitsAt({ anonymousPerMinute: 1, authFailuresPerMinute: 1 }, down);
    for (let attempt = 0; attempt < 3; attempt++) {
      expect(await limits.admitAnonymous('203.0.113.7')).toBeNull();
      expect(await limits.failedAuthentication('203.0.113.7', invalidKey)).toBe(invalidKey);
    }
    expect(lines).toEqual(['address limits unreachable (serving without them): Error: redis: connection closed']);
  });
});
