import { describe, expect, it } from 'vitest';
import { nanoPerTokenToUsdString, priceUsage, roundNanoToMicro, usdPerMillionToNanoPerToken, type NanodollarsPerToken, type TokenPrices } from './money.ts';

const nano = (value: number) => value as NanodollarsPerToken;

describe('usdPerMillionToNanoPerToken', () => {
  it.each([
    ['3', 3000],
    ['0.15', 150],
    ['0.075', 75],
    ['15.5', 15500],
    [0.6, 600],
    ['0', 0],
  ])('$%s per Mtok is %i n$ per token', (input, expected) => {
    expect(usdPerMillionToNanoPerToken(input)).toBe(expected);
  });

  it('refuses prices it cannot hold exactly, and non-numbers', () => {
    expect(() => usdPerMillionToNanoPerToken('0.0001')).toThrow(RangeError);
    expect(() => usdPerMillionToNanoPerToken('-1')).toThrow(RangeError);
    expect(() => usdPerMillionToNanoPerToken('abc')).toThrow(RangeError);
  });
});

describe('nanoPerTokenToUsdString', () => {
  it.each([
    [0, '0'],
    [1, '0.000000001'],
    [37, '0.000000037'],
    [150, '0.00000015'],
    [3000, '0.000003'],
    [37_500, '0.0000375'],
    [1_000_000_000, '1'],
    [1_234_567_890, '1.23456789'],
    [25_000_000_000, '25'],
  ])('%i n$ per token is $%s per token', (input, expected) => {
    expect(nanoPerTokenToUsdString(input)).toBe(expected);
  });

  it('is the inverse of usdPerMillionToNanoPerToken (shifted by a million)', () => {
    const nanodollars = usdPerMillionToNanoPerToken('3.75');
    expect(nanoPerTokenToUsdString(nanodollars)).toBe('0.00000375');
  });

  it('refuses amounts that are not non-negative safe integers', () => {
    expect(() => nanoPerTokenToUsdString(-1)).toThrow(RangeError);
    expect(() => nanoPerTokenToUsdString(1.5)).toThrow(RangeError);
  });
});

describe('roundNanoToMicro', () => {
  it.each([
    [0, 0],
    [499, 0],
    [500, 1],
    [1499, 1],
    [1500, 2],
    [2_000_000, 2000],
  ])('%i n$ rounds half-up to %i µ$', (input, expected) => {
    expect(roundNanoToMicro(input)).toBe(expected);
  });
});

describe('priceUsage', () => {
  const gpt4oMini: TokenPrices = { prompt: nano(150), completion: nano(600), cacheRead: nano(75), cacheWrite: null };

  it('prices prompt and completion tokens (1000 × $0.15/M + 500 × $0.60/M = 150 + 300 µ$)', () => {
    expect(priceUsage({ promptTokens: 1000, completionTokens: 500, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 }, gpt4oMini)).toBe(450);
  });

  it('prices cached prompt tokens at the cache-read price (600 × 150 + 400 × 75 = 120,000 n$)', () => {
    expect(priceUsage({ promptTokens: 1000, completionTokens: 0, cacheReadTokens: 400, cacheWriteTokens: 0, reasoningTokens: 0 }, gpt4oMini)).toBe(120);
  });

  it('rounds once per request, not per token class (3 × 150 + 1 × 600 = 1050 n$ → 1 µ$)', () => {
    expect(priceUsage({ promptTokens: 3, completionTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 }, gpt4oMini)).toBe(1);
  });

  it('uses the cache-write price, and the prompt price where a cache price is missing', () => {
    const anthropicLike: TokenPrices = { prompt: nano(3000), completion: nano(15000), cacheRead: nano(300), cacheWrite: nano(3750) };
    // 50 uncached × 3000 + 40 read × 300 + 10 written × 3750 + 25 × 15000 = 150,000 + 12,000 + 37,500 + 375,000
    expect(priceUsage({ promptTokens: 100, completionTokens: 25, cacheReadTokens: 40, cacheWriteTokens: 10, reasoningTokens: 0 }, anthropicLike)).toBe(575);
    expect(priceUsage({ promptTokens: 100, completionTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 10, reasoningTokens: 0 }, gpt4oMini)).toBe(15);
  });
});

describe('priceUsage with long-context tiers', () => {
  const tiered: TokenPrices = {
    prompt: nano(3000),
    completion: nano(15000),
    cacheRead: null,
    cacheWrite: nano(3750),
    tiers: { prompt: [{ start: 200_000, price: nano(6000) }], completion: [{ start: 200_000, price: nano(22500) }] },
  };

  it('a cache price without tiers stays at its base; a missing cache price follows the tiered prompt price', () => {
    // 200,001 prompt tokens, 1 of them read from cache (prompt price: 6000), 1 written (3750 untiered):
    // 199,999 × 6000 + 1 × 6000 + 1 × 3750 + 10 × 22,500 = 1,200,000,000 + 3750 + 225,000 n$
    const usage = { promptTokens: 200_001, completionTokens: 10, cacheReadTokens: 1, cacheWriteTokens: 1, reasoningTokens: 0 };
    expect(priceUsage(usage, tiered)).toBe(1_200_229);
  });

  it('uses the last tier the prompt is above when there are several', () => {
    const twoTiers: TokenPrices = {
      ...tiered,
      tiers: {
        prompt: [
          { start: 100, price: nano(10) },
          { start: 1000, price: nano(20) },
        ],
      },
    };
    const usage = (promptTokens: number) => ({ promptTokens, completionTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 });
    expect(priceUsage(usage(100), twoTiers)).toBe(300); // 100 × 3000 n$
    expect(priceUsage(usage(500), twoTiers)).toBe(5); // 500 × 10
    expect(priceUsage(usage(2000), twoTiers)).toBe(40); // 2000 × 20
  });
});
