// The only place that does money arithmetic. Balances and costs are integer microdollars (1 USD =
// 1,000,000 µ$). Prices are integer nanodollars per token, so sub-microdollar prices stay exact:
// $3 / Mtok = 3 µ$ per token = 3000 n$ per token; $0.15 / Mtok = 150 n$ per token.
// A request's cost is summed in nanodollars and rounded once, half-up, to microdollars.

export type Microdollars = number & { readonly __unit: 'microdollars' };
export type NanodollarsPerToken = number & { readonly __unit: 'nanodollars-per-token' };

export interface TokenPrices {
  /** Regular (uncached) prompt tokens. */
  prompt: NanodollarsPerToken;
  /** Generated tokens, reasoning included. */
  completion: NanodollarsPerToken;
  /** Prompt tokens read from the provider's cache; falls back to `prompt` when null. */
  cacheRead: NanodollarsPerToken | null;
  /** Prompt tokens written to the provider's cache; falls back to `prompt` when null. */
  cacheWrite: NanodollarsPerToken | null;
  /** Long-context tiers (as genai-prices publishes them); absent or null = flat prices. */
  tiers?: PriceTiers | null;
}

/** A price that replaces the base price once the request's prompt is longer than `start` tokens. */
export interface PriceTier {
  start: number;
  price: NanodollarsPerToken;
}

export interface PriceTiers {
  prompt?: readonly PriceTier[];
  completion?: readonly PriceTier[];
  cacheRead?: readonly PriceTier[];
  cacheWrite?: readonly PriceTier[];
}

/**
 * Token counts in OpenAI's convention: `promptTokens` includes cached reads and writes,
 * `completionTokens` includes reasoning tokens.
 */
export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
}

export const emptyUsage: TokenUsage = Object.freeze({
  promptTokens: 0,
  completionTokens: 0,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  reasoningTokens: 0,
});

/**
 * Usage of prompt and completion tokens (and cache writes), the other counts 0: every member written in
 * TokenUsage's order, so these objects share the providers' usage shape and priceUsage stays monomorphic.
 * Not `{ ...emptyUsage, promptTokens, completionTokens }`: spreading a frozen object takes V8's slow
 * clone path (CloneObjectIC_Slow, then CreateDataProperty per member; issue 19).
 */
export function tokenUsage(promptTokens: number, completionTokens: number, cacheWriteTokens = 0): TokenUsage {
  return { promptTokens, completionTokens, cacheReadTokens: 0, cacheWriteTokens, reasoningTokens: 0 };
}

export const NANODOLLARS_PER_MICRODOLLAR = 1000;

/** An amount read from the database, a snapshot or a test, given its unit once it is known to be whole µ$. */
export function microdollars(value: number): Microdollars {
  if (!Number.isSafeInteger(value)) throw new RangeError(`not a whole number of microdollars: ${value}`);
  return value as Microdollars;
}

/** A price read from the database, a snapshot or a test, given its unit once it is known to be whole n$ per token. */
export function nanodollarsPerToken(value: number): NanodollarsPerToken {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`not a price in whole nanodollars per token: ${value}`);
  return value as NanodollarsPerToken;
}

/** USD per million tokens (as price lists publish them) → exact nanodollars per token. */
export function usdPerMillionToNanoPerToken(usdPerMillion: string | number): NanodollarsPerToken {
  const text = typeof usdPerMillion === 'number' ? String(usdPerMillion) : usdPerMillion.trim();
  if (!/^\d+(\.\d+)?$/.test(text)) throw new RangeError(`not a non-negative decimal price: ${text}`);
  const [whole = '0', fraction = ''] = text.split('.');
  // $/Mtok × 1e9 n$/$ ÷ 1e6 tok/Mtok = × 1000 n$/tok
  if (fraction.length > 3) throw new RangeError(`price ${text} $/Mtok is finer than 1 n$/token`);
  return (Number(whole) * 1000 + Number(fraction.padEnd(3, '0'))) as NanodollarsPerToken;
}

/**
 * Nanodollars per token → USD per token as an exact decimal string, as OpenRouter's /models publishes
 * prices: 3000 → "0.000003", 37 → "0.000000037", 0 → "0". Built from digits, never through a float.
 */
export function nanoPerTokenToUsdString(nanodollars: NanodollarsPerToken | number): string {
  if (!Number.isSafeInteger(nanodollars) || nanodollars < 0) throw new RangeError(`bad nanodollar price ${nanodollars}`);
  const digits = String(nanodollars).padStart(10, '0');
  const whole = digits.slice(0, -9).replace(/^0+(?=\d)/, '');
  const fraction = digits.slice(-9).replace(/0+$/, '');
  return fraction === '' ? whole : `${whole}.${fraction}`;
}

/** Rounds nanodollars half-up to microdollars. */
export function roundNanoToMicro(nanodollars: number): Microdollars {
  if (!Number.isSafeInteger(nanodollars) || nanodollars < 0) throw new RangeError(`bad nanodollar amount ${nanodollars}`);
  return Math.floor((nanodollars + NANODOLLARS_PER_MICRODOLLAR / 2) / NANODOLLARS_PER_MICRODOLLAR) as Microdollars;
}

/** What priceUsage reads when a price has no tiers: one shared object, not one per call. */
const NO_TIERS: PriceTiers = {};

/**
 * The price of one token class for a prompt of `promptTokens` tokens: the last tier whose start the prompt
 * exceeds, else the base. A long-context tier prices the whole request, not only the tokens past the
 * threshold (Gemini, Anthropic and OpenAI all bill that way).
 */
function tierPrice<T extends NanodollarsPerToken | null>(base: T, tiers: readonly PriceTier[] | undefined, promptTokens: number): T | NanodollarsPerToken {
  // No `tiers ?? []` and no iterator: priced three times a request, mostly without tiers (each made an empty array).
  if (tiers === undefined) return base;
  let price: T | NanodollarsPerToken = base;
  for (let index = 0; index < tiers.length; index += 1) if (promptTokens > tiers[index]!.start) price = tiers[index]!.price;
  return price;
}

/**
 * Exact cost of one request in microdollars, rounded once. Usage is in the gateway's convention (every
 * adapter converts to it): the prompt includes cache reads and writes, which are priced apart from the
 * rest of it, and the completion includes reasoning, which is billed as output.
 */
export function priceUsage(usage: TokenUsage, prices: TokenPrices): Microdollars {
  const tiers = prices.tiers ?? NO_TIERS;
  const promptPrice = tierPrice(prices.prompt, tiers.prompt, usage.promptTokens);
  const cacheReadPrice = tierPrice(prices.cacheRead, tiers.cacheRead, usage.promptTokens) ?? promptPrice;
  const cacheWritePrice = tierPrice(prices.cacheWrite, tiers.cacheWrite, usage.promptTokens) ?? promptPrice;
  const completionPrice = tierPrice(prices.completion, tiers.completion, usage.promptTokens);
  const cacheRead = Math.min(usage.cacheReadTokens, usage.promptTokens);
  const cacheWrite = Math.min(usage.cacheWriteTokens, usage.promptTokens - cacheRead);
  const uncachedPrompt = usage.promptTokens - cacheRead - cacheWrite;
  const nanodollars = uncachedPrompt * promptPrice + cacheRead * cacheReadPrice + cacheWrite * cacheWritePrice + usage.completionTokens * completionPrice;
  return roundNanoToMicro(nanodollars);
}

/** The most `promptTokens` and `completionTokens` can cost: each prompt token a plain prompt token or a cache write, whichever is dearer. */
export function worstCasePriceMicros(promptTokens: number, completionTokens: number, prices: TokenPrices): Microdollars {
  return Math.max(
    priceUsage(tokenUsage(promptTokens, completionTokens), prices),
    priceUsage(tokenUsage(promptTokens, completionTokens, promptTokens), prices),
  ) as Microdollars;
}

/** Microdollars → USD as a number, for display fields such as OpenRouter's `usage.cost`. */
export function microToUsd(amount: Microdollars | number): number {
  return amount / 1_000_000;
}
