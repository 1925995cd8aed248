// The most a request can cost before it is sent, the amount reserved against the org's balance and the
// user's daily limit: the prompt (at the dearer of the prompt and cache-write prices) plus the most
// completion tokens it may produce, on whichever candidate endpoint would charge the most.
// Completion tokens: the request's max_completion_tokens or max_tokens, else the model's output cap, else
// DEFAULT_MAX_OUTPUT_TOKENS. Endpoints paid with the org's own provider key (BYOK) draw on nothing.
import { emptyUsage, priceUsage, type Microdollars, type NanodollarsPerToken } from '../../../shared/src/money.ts';
import type { EndpointCandidate } from '../pipeline/choose-endpoints.ts';

/** Completion tokens assumed when neither the request nor the catalog bounds them. */
export const DEFAULT_MAX_OUTPUT_TOKENS = 8_192;

export interface SpendEstimate {
  /** An estimate of the prompt's tokens (an upper bound where one is cheap to get). */
  promptTokens: number;
  /** The request's own completion cap, or null. */
  maxOutputTokens: number | null;
}

export function worstCaseCostMicros(candidates: readonly EndpointCandidate[], estimate: SpendEstimate): Microdollars {
  let worst = 0;
  for (const candidate of candidates) {
    if (paidWithOwnKey(candidate)) continue;
    const { prompt, completion, cacheRead, cacheWrite } = candidate.endpoint.prices;
    const completionTokens = estimate.maxOutputTokens ?? candidate.model.maxOutputTokens ?? DEFAULT_MAX_OUTPUT_TOKENS;
    const writesCost = cacheWrite !== null && cacheWrite > prompt;
    const cost = priceUsage(
      { ...emptyUsage, promptTokens: estimate.promptTokens, cacheWriteTokens: writesCost ? estimate.promptTokens : 0, completionTokens },
      {
        prompt: prompt as NanodollarsPerToken,
        completion: completion as NanodollarsPerToken,
        cacheRead: cacheRead as NanodollarsPerToken | null,
        cacheWrite: cacheWrite as NanodollarsPerToken | null,
      },
    );
    worst = Math.max(worst, cost);
  }
  return worst as Microdollars;
}

/** The request's completion cap: `max_completion_tokens`, else `max_tokens`, when a positive integer. */
export function requestedMaxOutputTokens(body: Record<string, unknown>): number | null {
  for (const field of ['max_completion_tokens', 'max_tokens']) {
    const value = body[field];
    if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return value;
  }
  return null;
}

/** BYOK candidates carry `byok: true` (set when the org's own provider key serves the endpoint). */
function paidWithOwnKey(candidate: EndpointCandidate): boolean {
  return (candidate as EndpointCandidate & { byok?: unknown }).byok === true;
}
