// Per-address limits for whoever has not shown a key (http/client-address.ts says who that is):
// - requests answered without a key (GET /models without one, unknown routes) count against the
//   address's anonymous requests per minute;
// - failed authentications (a missing, unknown or expired key) count against its failures per minute.
//   Over it, the address is refused every request, with or without a key, until the cell has room again:
//   a list of leaked keys tried from one address is answered 429 whether a key is good or not, so the
//   answers no longer tell which ones work.
// Both are GCRA cells in the rate limit store (in Redis when several data planes share it), so their
// counts are shared. A refused address is also remembered here until its retry-after: the check at the
// start of every request is a Map lookup, never a store call, so a caller with a good key pays nothing.
// Other data planes learn the refusal at that address's next failure there. Like the key and org rate
// limits, these fail open while the store is unreachable. /healthz is never limited (probes).
import { GatewayError } from '../../../shared/src/errors.ts';
import { rateLimitHeaders } from '../http/rate-limit-headers.ts';
import { RATE_PERIOD_MS, type RateCell, type RateLimitStore } from './rate-limit-store.ts';

export interface AddressLimitOptions {
  /** Requests per minute per address to routes answered without a key; 0 = unlimited. */
  anonymousPerMinute: number;
  /** Failed authentications per minute per address before it is refused everything; 0 = unlimited. */
  authFailuresPerMinute: number;
}

export const DEFAULT_ADDRESS_LIMITS: AddressLimitOptions = { anonymousPerMinute: 60, authFailuresPerMinute: 30 };

export interface AddressLimits {
  /** False when both limits are 0: the caller's address is not even read. */
  readonly enabled: boolean;
  /** True while some address is refused: only then does a request's own address need reading. */
  refusesAny(): boolean;
  /** The 429 an address gets while it is refused for its failed authentications, else null. No store call. */
  refusal(address: string): GatewayError | null;
  /** Charges one request answered without a key: the x-ratelimit-* headers of its answer, or throws 429. */
  admitAnonymous(address: string): Promise<Record<string, string> | null>;
  /** Counts one failed authentication: the error to answer, `failure` itself or the 429 once over the limit. */
  failedAuthentication(address: string, failure: GatewayError): Promise<GatewayError>;
}

export function createAddressLimits(
  store: RateLimitStore,
  options: AddressLimitOptions,
  log: (line: string) => void,
  now: () => number = Date.now,
): AddressLimits {
  /** Address → epoch ms until which it is refused. */
  const refused = new Map<string, number>();
  let nextSweep = 0;
  let lastLogged = '';

  /** One store admission; null when the store is unreachable (fail open). */
  async function charge(cell: RateCell) {
    try {
      const down = store.unreachable();
      if (down !== null) throw new Error(down);
      return await store.admit([cell]);
    } catch (error) {
      const line = `address limits unreachable (serving without them): ${String(error)}`;
      if (line !== lastLogged) log(line);
      lastLogged = line;
      return null;
    }
  }

  function refuse(address: string, untilMs: number): void {
    const at = now();
    if (at >= nextSweep) {
      nextSweep = at + RATE_PERIOD_MS;
      for (const [other, until] of refused) if (until <= at) refused.delete(other);
    }
    refused.set(address, untilMs);
  }

  return {
    enabled: options.anonymousPerMinute > 0 || options.authFailuresPerMinute > 0,
    refusesAny: () => refused.size > 0,
    refusal(address) {
      if (refused.size === 0) return null;
      const until = refused.get(address);
      if (until === undefined) return null;
      const waitMs = until - now();
      if (waitMs > 0) return authFailureRefusal(options.authFailuresPerMinute, waitMs);
      refused.delete(address);
      return null;
    },
    async admitAnonymous(address) {
      const perMinute = options.anonymousPerMinute;
      if (perMinute <= 0) return null;
      const outcome = await charge({ key: `rl:{ip:${address}}:anonymous`, perMinute, cost: 1 });
      if (outcome === null) return null;
      const [state = { remaining: 0, resetMs: 0 }] = outcome.cells;
      const headers = rateLimitHeaders('openai', { limit: perMinute, ...state }, null, now());
      if (outcome.ok) return headers;
      const seconds = Math.max(1, Math.ceil(outcome.retryAfterMs / 1000));
      throw new GatewayError(
        'rate_limit_exceeded',
        `Rate limit reached for requests without an API key from your address: ${perMinute} per minute. Retry in ${seconds} s, or send an API key.`,
        {
          details: { limit: 'requests', scope: 'ip', limit_per_minute: perMinute, retry_after_ms: outcome.retryAfterMs },
          headers: { ...retryAfter(outcome.retryAfterMs), ...headers },
        },
      );
    },
    async failedAuthentication(address, failure) {
      const perMinute = options.authFailuresPerMinute;
      if (perMinute <= 0) return failure;
      const outcome = await charge({ key: `rl:{ip:${address}}:auth-failures`, perMinute, cost: 1 });
      if (outcome === null || outcome.ok) return failure;
      refuse(address, now() + outcome.retryAfterMs);
      return authFailureRefusal(perMinute, outcome.retryAfterMs);
    },
  };
}

function retryAfter(ms: number): Record<string, string> {
  return { 'retry-after': String(Math.max(1, Math.ceil(ms / 1000))), 'retry-after-ms': String(Math.ceil(ms)) };
}

function authFailureRefusal(perMinute: number, waitMs: number): GatewayError {
  const seconds = Math.max(1, Math.ceil(waitMs / 1000));
  return new GatewayError(
    'rate_limit_exceeded',
    `Too many requests with a missing or invalid API key from your address (more than ${perMinute} per minute): every request from it is refused for ${seconds} s.`,
    { details: { limit: 'auth_failures', scope: 'ip', limit_per_minute: perMinute, retry_after_ms: Math.ceil(waitMs) }, headers: retryAfter(waitMs) },
  );
}
