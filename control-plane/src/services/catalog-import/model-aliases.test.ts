// The ids users paste (the hosted gateway's and OpenRouter's, the providers' -latest names) name the
// catalog's models, taken from the bundled data.
import { describe, expect, it } from 'vitest';
import { buildCatalogEntries } from './build-catalog-entries.ts';

const built = buildCatalogEntries(new Date('2026-12-01T00:00:00Z'));
const modelOf = new Map(built.entries.flatMap((entry) => [[entry.id, entry.id] as const, ...entry.aliases.map((alias) => [alias, entry.id] as const)]));

describe('catalog aliases', () => {
  it.each([
    ['anthropic/claude-sonnet-4.5', 'anthropic/claude-sonnet-4-5'],
    ['x-ai/grok-4', 'xai/grok-4-0709'],
    ['xai/grok-4-latest', 'xai/grok-4-0709'],
    ['mistralai/codestral-2508', 'mistral/codestral-2508'],
    ['mistral/codestral-latest', 'mistral/codestral'],
    ['google/gemini-2.5-pro', 'google/gemini-2.5-pro'],
    ['minimax/minimax-m2', 'minimax/MiniMax-M2'],
  ])('%s names %s', (alias, id) => {
    expect(modelOf.get(alias)).toBe(id);
  });

  it('never gives one alias to two models, nor a model id to another model', () => {
    const ids = new Set(built.entries.map((entry) => entry.id));
    const aliases = built.entries.flatMap((entry) => entry.aliases);
    expect(new Set(aliases).size).toBe(aliases.length);
    expect(aliases.filter((alias) => ids.has(alias))).toEqual([]);
  });
});
