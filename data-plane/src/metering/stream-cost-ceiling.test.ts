import { describe, expect, it } from 'vitest';
import { emptyUsage } from '../../../shared/src/money.ts';
import { worstCaseCostMicros } from '../spend/worst-case-cost.ts';
import { snapshotPricesSchema } from '../../../shared/src/snapshot.ts';
import type { ResponseReport, UnifiedUsage } from '../providers/provider-adapter.ts';
import { CompletionText } from './completion-text.ts';
import { StreamCostCeiling } from './stream-cost-ceiling.ts';

const prices = snapshotPricesSchema.parse({ prompt: 3000, completion: 15000, cacheRead: 300, cacheWrite: 3750 });
const report = (usage: UnifiedUsage | null = null): ResponseReport => ({ usage, finishReason: null, servedModel: null });
const reported = (completionTokens: number): UnifiedUsage => ({ usage: { ...emptyUsage, promptTokens: 7, completionTokens }, upstreamCostMicros: null });

function relay(text: CompletionText, words: number): void {
  const chunk = Buffer.from('word '.repeat(words));
  text.appendJsonString(chunk, 0, chunk.length);
}

describe('StreamCostCeiling', () => {
  it('pays for exactly max_tokens at the prices the hold was computed with', () => {
    for (const maxOutputTokens of [1, 20, 100, 4096]) {
      const held = worstCaseCostMicros([{ model: { maxOutputTokens: null }, endpoint: { prices }, byok: false }], { promptTokens: 7, maxOutputTokens });
      expect(new StreamCostCeiling(held, 7, prices).budgetTokens).toBe(maxOutputTokens);
    }
  });

  it("passes on the upstream's own count one token past the budget", () => {
    const held = worstCaseCostMicros([{ model: { maxOutputTokens: null }, endpoint: { prices }, byok: false }], { promptTokens: 7, maxOutputTokens: 100 });
    const ceiling = new StreamCostCeiling(held, 7, prices);
    const text = new CompletionText();
    expect(ceiling.passed(text, report(reported(100)))).toBe(false);
    expect(ceiling.passed(text, report(reported(101)))).toBe(true);
  });

  it('passes on the relayed text only past its margin, so an answer at its max_tokens goes through', () => {
    const held = worstCaseCostMicros([{ model: { maxOutputTokens: null }, endpoint: { prices }, byok: false }], { promptTokens: 7, maxOutputTokens: 100 });
    const ceiling = new StreamCostCeiling(held, 7, prices);
    const text = new CompletionText();
    let words = 0;
    while (words < 100) {
      relay(text, 10);
      words += 10;
      expect(ceiling.passed(text, report())).toBe(false);
    }
    while (!ceiling.passed(text, report())) {
      relay(text, 10);
      words += 10;
      expect(words).toBeLessThan(200);
    }
    expect(words).toBeGreaterThan(125);
  });

  it('never passes when completions are free', () => {
    const free = snapshotPricesSchema.parse({ prompt: 3000, completion: 0, cacheRead: null, cacheWrite: null });
    const ceiling = new StreamCostCeiling(100, 7, free);
    const text = new CompletionText();
    relay(text, 100_000);
    expect(ceiling.passed(text, report(reported(1_000_000)))).toBe(false);
  });
});
