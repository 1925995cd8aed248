// Requests and tokens per minute per API key and per org (the org policy's per-key default, a key's own
// override), checked before the spend reservation (pipeline/metered-route.ts). Tokens are estimated at
// admission (the prompt's upper bound plus the requested max output) and corrected at settle by the
// usage event's actual tokens. A refusal is 429 `rate_limit_exceeded` with retry-after; every answer of
// a limited caller carries the remaining quota in its door's header names (rate-limit-headers.ts).
// A caller with no limit set costs nothing here: no cell, no store call, no headers.
import { GatewayError } from '../../../shared/src/errors.ts';
import type { Principal } from '../snapshot/snapshot-view.ts';
import { rateLimitHeaders, type RateLimitHeaderStyle, type RateLimitReading } from '../http/rate-limit-headers.ts';
import type { AdmitOutcome, CellState, RateCell, RateLimitStore } from './rate-limit-store.ts';

/** What a refusal was about; also the metrics' refusal kind (`rate_limit:<scope>:<unit>`). */
export interface RateLimitRefusal {
  scope: 'key' | 'org' | 'ip';
  unit: 'requests' | 'tokens';
}

/** One admitted request: the headers its answer carries, and the token correction once it is metered. */
export interface RateAdmission {
  /** Response headers naming the quota left, in the door's names; null when no limit applies. */
  readonly headers: Record<string, string> | null;
  /** The request's actual tokens (prompt + completion): the estimate charged at admission is corrected. */
  settle(actualTokens: number): void;
}

export const NOT_LIMITED: RateAdmission = { headers: null, settle: () => {} };

export interface RateLimiter {
  /**
   * Charges one request and its estimated tokens to the caller's cells, or throws 429 rate_limit_exceeded.
   * A caller with no limit is admitted synchronously (NOT_LIMITED): no promise on its request path.
   */
  admit(principal: Principal, estimatedTokens: number, style: RateLimitHeaderStyle): RateAdmission | Promise<RateAdmission>;
  close(): Promise<void>;
}

interface LabelledCell extends RateCell {
  scope: RateLimitRefusal['scope'];
  unit: RateLimitRefusal['unit'];
}

export function createRateLimiter(store: RateLimitStore, log: (line: string) => void): RateLimiter {
  let lastLogged = '';
  return {
    admit(principal, estimatedTokens, style) {
      const { apiKey, org } = principal;
      const orgLimits = org.rateLimits;
      const keyLimits = apiKey.rateLimits;
      if (orgLimits === undefined && keyLimits === undefined) return NOT_LIMITED;
      const keyRpm = keyLimits?.rpm ?? orgLimits?.keyRpm ?? null;
      const keyTpm = keyLimits?.tpm ?? orgLimits?.keyTpm ?? null;
      const cells: LabelledCell[] = [];
      const keyCell = `rl:{${org.id}}:key:${apiKey.id}`;
      const orgCell = `rl:{${org.id}}:org`;
      if (keyRpm !== null) cells.push({ key: `${keyCell}:rpm`, perMinute: keyRpm, cost: 1, scope: 'key', unit: 'requests' });
      if (keyTpm !== null) cells.push({ key: `${keyCell}:tpm`, perMinute: keyTpm, cost: Math.min(estimatedTokens, keyTpm), scope: 'key', unit: 'tokens' });
      if (orgLimits?.rpm != null) cells.push({ key: `${orgCell}:rpm`, perMinute: orgLimits.rpm, cost: 1, scope: 'org', unit: 'requests' });
      if (orgLimits?.tpm != null) {
        cells.push({ key: `${orgCell}:tpm`, perMinute: orgLimits.tpm, cost: Math.min(estimatedTokens, orgLimits.tpm), scope: 'org', unit: 'tokens' });
      }
      if (cells.length === 0) return NOT_LIMITED;
      return charge(cells, style);
    },
    close: () => store.close(),
  };

  async function charge(cells: LabelledCell[], style: RateLimitHeaderStyle): Promise<RateAdmission> {
    // Rate limits fail open: an unreachable store must not take the gateway down (spend limits decide that).
    const down = store.unreachable();
    let outcome: AdmitOutcome;
    try {
      if (down !== null) throw new Error(down);
      outcome = await store.admit(cells);
    } catch (error) {
      const line = `rate limits unreachable (serving without them): ${String(error)}`;
      if (line !== lastLogged) log(line);
      lastLogged = line;
      return NOT_LIMITED;
    }
    const headers = rateLimitHeaders(style, reading(cells, outcome.cells, 'requests'), reading(cells, outcome.cells, 'tokens'), Date.now());
    if (!outcome.ok) throw refusal(cells[outcome.refused] as LabelledCell, outcome.retryAfterMs, headers);
    return new AdmittedRequest(store, cells, headers);
  }
}

/** The tightest cell of one unit (fewest units left), as the headers show it; null when none limits it. */
function reading(cells: readonly LabelledCell[], states: readonly CellState[], unit: LabelledCell['unit']): RateLimitReading | null {
  let tightest: RateLimitReading | null = null;
  for (let index = 0; index < cells.length; index++) {
    const cell = cells[index] as LabelledCell;
    const state = states[index] as CellState;
    if (cell.unit !== unit || (tightest !== null && state.remaining >= tightest.remaining)) continue;
    tightest = { limit: cell.perMinute, remaining: state.remaining, resetMs: state.resetMs };
  }
  return tightest;
}

function refusal(cell: LabelledCell, retryAfterMs: number, headers: Record<string, string>): GatewayError {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  const whose = cell.scope === 'key' ? 'this API key' : cell.scope === 'org' ? 'your organization' : 'your address';
  return new GatewayError('rate_limit_exceeded', `Rate limit reached for ${whose}: ${cell.perMinute} ${cell.unit} per minute. Retry in ${seconds} s.`, {
    details: { limit: cell.unit, scope: cell.scope, limit_per_minute: cell.perMinute, retry_after_ms: retryAfterMs },
    headers: Object.assign({ 'retry-after': String(seconds), 'retry-after-ms': String(retryAfterMs) }, headers),
  });
}

class AdmittedRequest implements RateAdmission {
  readonly headers: Record<string, string>;
  readonly #store: RateLimitStore;
  readonly #cells: readonly LabelledCell[];
  #settled = false;

  constructor(store: RateLimitStore, cells: readonly LabelledCell[], headers: Record<string, string>) {
    this.#store = store;
    this.#cells = cells;
    this.headers = headers;
  }

  settle(actualTokens: number): void {
    if (this.#settled) return;
    this.#settled = true;
    for (const cell of this.#cells) {
      if (cell.unit !== 'tokens') continue;
      // Unclamped: a request that used more than a minute's tokens leaves its cell in debt, so later ones wait.
      const correction = actualTokens - cell.cost;
      if (correction !== 0) this.#store.correct(cell.key, cell.perMinute, correction);
    }
  }
}
