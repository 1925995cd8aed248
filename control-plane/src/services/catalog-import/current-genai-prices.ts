import type { ModelInfo, ModelPrice } from '@pydantic/genai-prices';

/**
 * The price list of `model` in force at `at`. genai-prices lists dated price changes in order; a
 * time-of-day entry (an off-peak discount) is not a list price, so the import ignores it.
 */
export function currentGenaiPrices(model: ModelInfo, at: Date): ModelPrice | null {
  if (!Array.isArray(model.prices)) return model.prices;
  let current: ModelPrice | null = null;
  for (const entry of model.prices) {
    const constraint = entry.constraint;
    if (constraint === undefined) current ??= entry.prices;
    else if (constraint.type === 'start_date' && new Date(constraint.start_date) <= at) current = entry.prices;
  }
  return current;
}
