// The most a request can cost before it is sent, the amount reserved against the org's balance and the
// user's daily limit: the prompt (an upper bound of its tokens, each priced as a plain prompt token or a
// cache write, whichever is dearer, long-context tiers included) plus the most completion tokens it may
// produce, on whichever candidate endpoint would charge the most.
// Completion tokens: the request's max_completion_tokens or max_tokens, else the model's output cap, else
// DEFAULT_MAX_OUTPUT_TOKENS. Endpoints paid with the org's own provider key (BYOK) draw on nothing.
import { worstCasePriceMicros, type Microdollars } from '../../../shared/src/money.ts';
import type { SnapshotEndpoint, SnapshotModel } from '../../../shared/src/snapshot.ts';
import { endpointPrices } from '../metering/request-meter.ts';

/** Completion tokens assumed when neither the request nor the catalog bounds them. */
export const DEFAULT_MAX_OUTPUT_TOKENS = 8_192;

export interface SpendEstimate {
  /** At least the prompt's tokens (metering/estimate-prompt-tokens.ts promptTokensUpperBound). */
  promptTokens: number;
  /** The request's own completion cap, or null. */
  maxOutputTokens: number | null;
}

/** What the worst case needs of an endpoint a request may go to (pipeline/choose-endpoints.ts EndpointCandidate). */
export interface PricedCandidate {
  model: Pick<SnapshotModel, 'maxOutputTokens'>;
  endpoint: Pick<SnapshotEndpoint, 'prices'>;
  /** Paid with the org's own provider key: draws on nothing. */
  byok: boolean;
}

export function worstCaseCostMicros(candidates: readonly PricedCandidate[], estimate: SpendEstimate): Microdollars {
  let worst = 0;
  for (const candidate of candidates) {
    if (candidate.byok) continue;
    const prices = endpointPrices(candidate.endpoint);
    const completionTokens = estimate.maxOutputTokens ?? candidate.model.maxOutputTokens ?? DEFAULT_MAX_OUTPUT_TOKENS;
    worst = Math.max(worst, worstCasePriceMicros(estimate.promptTokens, completionTokens, prices));
  }
  return worst as Microdollars;
}

/** The request's completion cap: `max_completion_tokens`, else `max_tokens`, when a positive integer. */
export function requestedMaxOutputTokens(body: Record<string, unknown>): number | null {
  // Two named loads, not `body[field]` over the two names: a keyed load that sees two names is megamorphic.
  return positiveCount(body.max_completion_tokens) ?? positiveCount(body.max_tokens);
}

function positiveCount(value: unknown): number | null {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : null;
}
