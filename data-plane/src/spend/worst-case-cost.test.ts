// The reserved amount, hand-computed: prices are nanodollars per token, costs microdollars rounded once.
import { describe, expect, it } from 'vitest';
import { snapshotPricesSchema } from '../../../shared/src/snapshot.ts';
import type { z } from 'zod';
import { DEFAULT_MAX_OUTPUT_TOKENS, requestedMaxOutputTokens, worstCaseCostMicros, type PricedCandidate } from './worst-case-cost.ts';

function candidate(prices: Partial<z.input<typeof snapshotPricesSchema>>, options: { maxOutputTokens?: number | null; byok?: boolean } = {}): PricedCandidate {
  const model = { maxOutputTokens: options.maxOutputTokens ?? null };
  const endpoint = { prices: snapshotPricesSchema.parse({ prompt: 3_000, completion: 15_000, cacheRead: null, cacheWrite: null, ...prices }) };
  return { model, endpoint, byok: options.byok ?? false };
}

describe('worstCaseCostMicros', () => {
  it.each([
    // 1000 prompt tokens × 3 µ$ + 100 completion tokens × 15 µ$
    { name: 'prompt plus the requested max tokens', candidates: [candidate({})], maxOutputTokens: 100, expected: 3_000 + 1_500 },
    {
      name: "the model's output cap when the request sets none",
      candidates: [candidate({}, { maxOutputTokens: 200 })],
      maxOutputTokens: null,
      expected: 3_000 + 3_000,
    },
    { name: 'the documented default when neither does', candidates: [candidate({})], maxOutputTokens: null, expected: 3_000 + DEFAULT_MAX_OUTPUT_TOKENS * 15 },
    // Cache writes at 3.75 µ$ a token are dearer than plain prompt tokens: 1000 × 3.75 + 1500
    { name: 'the dearer cache-write price for the prompt', candidates: [candidate({ cacheWrite: 3_750 })], maxOutputTokens: 100, expected: 3_750 + 1_500 },
    // A long-context tier from token 500 at 6 µ$ / 22.5 µ$: 1000 × 6 + 100 × 22.5
    {
      name: 'long-context tier prices',
      candidates: [candidate({ tiers: { prompt: [{ start: 500, price: 6_000 }], completion: [{ start: 500, price: 22_500 }] } })],
      maxOutputTokens: 100,
      expected: 6_000 + 2_250,
    },
    {
      name: 'the dearest candidate',
      candidates: [candidate({}), candidate({ prompt: 10_000, completion: 30_000 })],
      maxOutputTokens: 100,
      expected: 10_000 + 3_000,
    },
    { name: 'nothing for BYOK candidates', candidates: [candidate({}, { byok: true })], maxOutputTokens: 100, expected: 0 },
    {
      name: 'the platform-paid fallback behind a BYOK endpoint',
      candidates: [candidate({ prompt: 10_000 }, { byok: true }), candidate({})],
      maxOutputTokens: 100,
      expected: 3_000 + 1_500,
    },
    { name: 'nothing for a free model', candidates: [candidate({ prompt: 0, completion: 0 })], maxOutputTokens: 100, expected: 0 },
    // 1 prompt token at 0.15 µ$ + 1 completion token at 0.6 µ$ = 0.75 µ$, rounded once to 1 µ$
    {
      name: 'sub-microdollar prices, rounded once',
      candidates: [candidate({ prompt: 150, completion: 600 })],
      maxOutputTokens: 1,
      promptTokens: 1,
      expected: 1,
    },
  ])('$name', ({ candidates, maxOutputTokens, expected, ...rest }) => {
    const promptTokens = 'promptTokens' in rest ? (rest.promptTokens as number) : 1_000;
    expect(worstCaseCostMicros(candidates, { promptTokens, maxOutputTokens })).toBe(expected);
  });
});

describe('requestedMaxOutputTokens', () => {
  it.each([
    [{ max_tokens: 50 }, 50],
    [{ max_completion_tokens: 70, max_tokens: 50 }, 70],
    [{ max_tokens: 0 }, null],
    [{ max_tokens: 1.5 }, null],
    [{ max_tokens: '100' }, null],
    [{}, null],
  ])('%j → %s', (body, expected) => {
    expect(requestedMaxOutputTokens(body)).toBe(expected);
  });
});
