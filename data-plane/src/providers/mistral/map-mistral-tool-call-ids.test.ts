import { describe, expect, it } from 'vitest';
import { createMistralToolCallIdMapper } from './map-mistral-tool-call-ids.ts';

describe('createMistralToolCallIdMapper', () => {
  it('keeps ids Mistral accepts and derives stable 9-character ones for the rest', () => {
    const toMistralId = createMistralToolCallIdMapper();
    expect(toMistralId('D681PevKs')).toBe('D681PevKs');
    const derived = toMistralId('call_abc123');
    expect(derived).toMatch(/^[a-zA-Z0-9]{9}$/);
    expect(toMistralId('call_abc123')).toBe(derived);
    // A fresh mapper (the next request of the same conversation) derives the same id.
    expect(createMistralToolCallIdMapper()('call_abc123')).toBe(derived);
    expect(toMistralId('toolu_01A09q90qw90lq917835lq9')).not.toBe(derived);
  });

  it('never gives two originals the same id', () => {
    const toMistralId = createMistralToolCallIdMapper();
    const derived = toMistralId('call_1');
    // A client id that happens to equal an id already derived for another call gets its own.
    const clash = toMistralId(derived);
    expect(clash).not.toBe(derived);
    expect(clash).toMatch(/^[a-zA-Z0-9]{9}$/);
    expect(toMistralId('call_1')).toBe(derived);
  });
});
