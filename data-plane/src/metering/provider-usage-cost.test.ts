// Each provider's usage as it arrives on the wire, through that adapter's usage conversion and the one
// pricing function, against microdollars computed by hand. The conversions decide what is inside what
// (cached inside prompt, reasoning inside completion); these cases prove the bill follows each
// provider's own semantics.
import { describe, expect, it } from 'vitest';
import { priceUsage, type NanodollarsPerToken, type TokenPrices } from '../../../shared/src/money.ts';
import { convertAnthropicUsage } from '../providers/anthropic/convert-anthropic-usage.ts';
import { convertGeminiUsage } from '../providers/gemini/convert-gemini-usage.ts';
import { convertOpenAICompatibleUsage } from '../providers/openai-compatible/convert-openai-compatible-usage.ts';
import type { UnifiedUsage } from '../providers/provider-adapter.ts';

function prices(prompt: number, completion: number, cacheRead: number | null = null, cacheWrite: number | null = null): TokenPrices {
  return {
    prompt: prompt as NanodollarsPerToken,
    completion: completion as NanodollarsPerToken,
    cacheRead: cacheRead as NanodollarsPerToken | null,
    cacheWrite: cacheWrite as NanodollarsPerToken | null,
  };
}

const geminiProTiered: TokenPrices = {
  ...prices(1250, 10_000, 310),
  tiers: {
    prompt: [{ start: 200_000, price: 2500 as NanodollarsPerToken }],
    completion: [{ start: 200_000, price: 15_000 as NanodollarsPerToken }],
    cacheRead: [{ start: 200_000, price: 620 as NanodollarsPerToken }],
  },
};

interface Case {
  name: string;
  usage: UnifiedUsage | null;
  prices: TokenPrices;
  expectedMicros: number;
}

const cases: Case[] = [
  {
    // 500 uncached × 1100 + 1500 cached × 275 + 800 completion (500 of it reasoning) × 4400 = 4,482,500 n$
    name: 'OpenAI: cached prompt tokens inside prompt_tokens, reasoning inside completion_tokens',
    usage: convertOpenAICompatibleUsage({
      prompt_tokens: 2000,
      completion_tokens: 800,
      total_tokens: 2800,
      prompt_tokens_details: { cached_tokens: 1500 },
      completion_tokens_details: { reasoning_tokens: 500 },
    }),
    prices: prices(1100, 4400, 275),
    expectedMicros: 4483,
  },
  {
    // 1200 × 3000 + 10,000 read × 300 + 2000 written × 3750 + 350 × 15,000 = 19,350,000 n$
    name: 'Anthropic: input_tokens excludes cache reads and writes, each at its own price',
    usage: convertAnthropicUsage({ input_tokens: 1200, cache_creation_input_tokens: 2000, cache_read_input_tokens: 10_000, output_tokens: 350 }),
    prices: prices(3000, 15_000, 300, 3750),
    expectedMicros: 19_350,
  },
  {
    // 600 × 300 + 400 cached × 75 + (200 answer + 300 thoughts) × 2500 = 1,460,000 n$
    name: 'Gemini: cached inside promptTokenCount, thoughts outside candidatesTokenCount but billed as output',
    usage: convertGeminiUsage({ promptTokenCount: 1000, cachedContentTokenCount: 400, candidatesTokenCount: 200, thoughtsTokenCount: 300 }),
    prices: prices(300, 2500, 75),
    expectedMicros: 1460,
  },
  {
    // 123 × 100 + 45 × 300 = 25,800 n$ → 25.8 µ$, rounded half-up once
    name: 'Mistral: plain prompt and completion',
    usage: convertOpenAICompatibleUsage({ prompt_tokens: 123, completion_tokens: 45, total_tokens: 168 }),
    prices: prices(100, 300),
    expectedMicros: 26,
  },
  {
    // total 341 = 32 + 9 + 300: reasoning is outside completion_tokens, so the completion is 309.
    // 26 × 300 + 6 cached × 75 + 309 × 500 = 162,750 n$
    name: 'xAI: reasoning_tokens reported apart from completion_tokens are billed as output',
    usage: convertOpenAICompatibleUsage({
      prompt_tokens: 32,
      completion_tokens: 9,
      total_tokens: 341,
      prompt_tokens_details: { cached_tokens: 6 },
      completion_tokens_details: { reasoning_tokens: 300 },
    }),
    prices: prices(300, 500, 75),
    expectedMicros: 163,
  },
  {
    // <think> text is inside completion_tokens: 1000 × 300 + 2000 × 1200 = 2,700,000 n$
    name: 'MiniMax: reasoning in content, counted in completion_tokens',
    usage: convertOpenAICompatibleUsage({ prompt_tokens: 1000, completion_tokens: 2000, total_tokens: 3000 }),
    prices: prices(300, 1200),
    expectedMicros: 2700,
  },
  {
    // Above 200k prompt tokens every token is at the long-context price:
    // 200,000 × 2500 + 50,000 cached × 620 + 1000 × 15,000 = 546,000,000 n$
    name: 'tiered long context: a 250k-token prompt pays the upper tier on every token class',
    usage: convertGeminiUsage({ promptTokenCount: 250_000, cachedContentTokenCount: 50_000, candidatesTokenCount: 600, thoughtsTokenCount: 400 }),
    prices: geminiProTiered,
    expectedMicros: 546_000,
  },
  {
    // Exactly at the threshold is not above it: 150,000 × 1250 + 50,000 × 310 + 1000 × 10,000 = 213,000,000 n$
    name: 'tiered long context: a prompt of exactly the threshold stays on the base tier',
    usage: convertGeminiUsage({ promptTokenCount: 200_000, cachedContentTokenCount: 50_000, candidatesTokenCount: 600, thoughtsTokenCount: 400 }),
    prices: geminiProTiered,
    expectedMicros: 213_000,
  },
];

describe('the cost of each provider usage shape', () => {
  it.each(cases)('$name', ({ usage, prices: endpointPrices, expectedMicros }) => {
    expect(usage).not.toBeNull();
    expect(priceUsage((usage as UnifiedUsage).usage, endpointPrices)).toBe(expectedMicros);
  });
});

describe('the upstream cost is kept beside ours', () => {
  it('OpenRouter-like usage.cost in USD', () => {
    expect(convertOpenAICompatibleUsage({ prompt_tokens: 10, completion_tokens: 5, cost: 0.00123 })?.upstreamCostMicros).toBe(1230);
  });

  it("xAI's cost_in_usd_ticks (1e-10 USD)", () => {
    expect(convertOpenAICompatibleUsage({ prompt_tokens: 32, completion_tokens: 9, cost_in_usd_ticks: 1_627_500 })?.upstreamCostMicros).toBe(163);
  });

  it('none reported', () => {
    expect(convertOpenAICompatibleUsage({ prompt_tokens: 32, completion_tokens: 9 })?.upstreamCostMicros).toBeNull();
  });
});
