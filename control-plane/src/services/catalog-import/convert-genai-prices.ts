// genai-prices publishes USD per million tokens as JSON numbers, with optional long-context tiers.
// We hold integer nanodollars per token; a price that has no exact integer form is refused, not rounded.
import type { ModelPrice, TieredPrices } from '@pydantic/genai-prices';
import { usdPerMillionToNanoPerToken } from '../../../../shared/src/money.ts';

/** One tier: the price (n$/token) that applies once the prompt is longer than `start` tokens. */
export interface PriceTier {
  start: number;
  price: number;
}

export interface PriceTiers {
  prompt?: PriceTier[];
  completion?: PriceTier[];
  cacheRead?: PriceTier[];
  cacheWrite?: PriceTier[];
}

export interface ConvertedPrices {
  /** Base tier, nanodollars per token. */
  prompt: number;
  completion: number;
  cacheRead: number | null;
  cacheWrite: number | null;
  /** Null when every price is flat. */
  tiers: PriceTiers | null;
}

const priceKeys = { prompt: 'input_mtok', completion: 'output_mtok', cacheRead: 'cache_read_mtok', cacheWrite: 'cache_write_mtok' } as const;

/** Null when the model is not priced per prompt and completion token, or a price is finer than 1 n$/token. */
export function convertGenaiPrices(prices: ModelPrice): ConvertedPrices | null {
  const tiers: PriceTiers = {};
  const base: Partial<Record<keyof typeof priceKeys, number>> = {};
  try {
    for (const [field, key] of Object.entries(priceKeys) as [keyof typeof priceKeys, string][]) {
      const value = prices[key];
      if (value === undefined) continue;
      if (typeof value === 'number') {
        base[field] = toNano(value);
        continue;
      }
      base[field] = toNano(value.base);
      tiers[field] = convertTiers(value);
    }
  } catch (error) {
    if (error instanceof RangeError) return null;
    throw error;
  }
  if (base.prompt === undefined || base.completion === undefined) return null;
  return {
    prompt: base.prompt,
    completion: base.completion,
    cacheRead: base.cacheRead ?? null,
    cacheWrite: base.cacheWrite ?? null,
    tiers: Object.keys(tiers).length > 0 ? tiers : null,
  };
}

function convertTiers(tiered: TieredPrices): PriceTier[] {
  return tiered.tiers.map((tier) => ({ start: tier.start, price: toNano(tier.price) }));
}

/** String(number) is the shortest decimal that reads back as the same double, i.e. the price as published. */
function toNano(usdPerMillion: number): number {
  return usdPerMillionToNanoPerToken(String(usdPerMillion));
}
