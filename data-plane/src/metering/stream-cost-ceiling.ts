// Ends a stream whose upstream produces more than its request reserved (issue 13, defect 3). The hold
// is the prompt's worst case plus max_tokens (or the model's cap) at the dearest candidate's prices
// (spend/worst-case-cost.ts); at the prices of the endpoint that answers, that pays for a number of
// completion tokens, the budget. An upstream that goes past it (over-producing, or ignoring max_tokens)
// is cut: the relay stops reading, which aborts the upstream call, and the client gets the door's error
// frame (reservation_exceeded). What was relayed is charged at most the hold (request-meter.ts).
//
// Checked after every upstream chunk, so the common case is one compare and no allocation: the text's
// byte count against the next checkpoint, and whether the upstream's usage report changed. Only past a
// checkpoint is the relayed text tokenized, each byte once (CompletionText.runningTokens).
import { worstCasePriceMicros, type TokenPrices } from '../../../shared/src/money.ts';
import type { ResponseReport, UnifiedUsage } from '../providers/provider-adapter.ts';
import type { CompletionText } from './completion-text.ts';

/**
 * Bytes of relayed text per token assumed between counts. Text runs 3-5 bytes a token in o200k; only
 * pathological text (random symbols) has fewer, and goes up to this factor past the budget before it is cut.
 */
const BYTES_PER_TOKEN = 3;
/**
 * The count is o200k's, a stand-in for the upstream's own tokenizer, so it cuts only this far past the
 * budget: an answer that ends at its max_tokens by the upstream's count is never cut by ours.
 */
const ESTIMATE_MARGIN = 1.25;
const ESTIMATE_SLACK_TOKENS = 16;
/** The least text between two counts, so an answer near its budget is not tokenized on every chunk. */
const MIN_STEP_BYTES = 256;

export class StreamCostCeiling {
  /** Completion tokens the hold pays for at the answering endpoint's prices. */
  readonly budgetTokens: number;
  readonly #estimateLimit: number;
  #checkAtBytes: number;
  #usage: UnifiedUsage | null = null;

  /** `promptTokens`: the prompt's upper bound the hold was computed with (SpendEstimate.promptTokens). */
  constructor(heldMicros: number, promptTokens: number, prices: TokenPrices) {
    this.budgetTokens = completionTokensWithin(heldMicros, promptTokens, prices);
    this.#estimateLimit = Math.floor(this.budgetTokens * ESTIMATE_MARGIN) + ESTIMATE_SLACK_TOKENS;
    this.#checkAtBytes = this.#estimateLimit * BYTES_PER_TOKEN;
  }

  /** True once what was relayed costs more than the hold: the stream must end. */
  passed(text: CompletionText, report: ResponseReport): boolean {
    if (text.bytes < this.#checkAtBytes && report.usage === this.#usage) return false;
    return this.#check(text, report.usage);
  }

  #check(text: CompletionText, usage: UnifiedUsage | null): boolean {
    this.#usage = usage;
    // The upstream's own count (Anthropic's running output_tokens, a usage chunk) is exact.
    if (usage !== null && usage.usage.completionTokens > this.budgetTokens) return true;
    if (text.bytes < this.#checkAtBytes) return false;
    const tokens = text.runningTokens();
    if (tokens > this.#estimateLimit) return true;
    this.#checkAtBytes = text.bytes + Math.max((this.#estimateLimit - tokens) * BYTES_PER_TOKEN, MIN_STEP_BYTES);
    return false;
  }
}

/**
 * The most completion tokens whose cost, with the prompt's worst case, stays within `heldMicros` (priced as
 * the hold was). worstCasePriceMicros called as it is, not through a `cost` closure: tsx (esbuild's
 * keepNames) named that closure as it was made, an Object.defineProperty on every stream.
 */
function completionTokensWithin(heldMicros: number, promptTokens: number, prices: TokenPrices): number {
  const promptCost = worstCasePriceMicros(promptTokens, 0, prices);
  const perMillion = worstCasePriceMicros(promptTokens, 1_000_000, prices) - promptCost;
  if (perMillion <= 0) return Number.POSITIVE_INFINITY; // completions are free here: nothing to cut
  let tokens = Math.max(0, Math.floor(((heldMicros - promptCost) * 1_000_000) / perMillion));
  // Rounding to whole µ$ may put the division a token off the exact answer.
  while (worstCasePriceMicros(promptTokens, tokens + 1, prices) <= heldMicros) tokens += 1;
  while (tokens > 0 && worstCasePriceMicros(promptTokens, tokens, prices) > heldMicros) tokens -= 1;
  return tokens;
}
