import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoTimestamp } from './iso-timestamp.ts';

describe('isoTimestamp', () => {
  it("writes a usage event's times exactly as Date#toISOString does", () => {
    fc.assert(
      fc.property(fc.oneof(fc.double({ min: -8.64e15, max: 8.64e15, noNaN: true }), fc.integer({ min: 0, max: 4_102_444_800_000 })), (epochMs) => {
        expect(isoTimestamp(epochMs)).toBe(new Date(epochMs).toISOString());
      }),
      { numRuns: 20_000 },
    );
    for (const epochMs of [0, -1, -0.5, 0.999, 86_399_999, 86_400_000, -86_400_000, 8.64e15, -8.64e15, 1_765_000_000_123.9, 253_402_300_800_000]) {
      expect(isoTimestamp(epochMs)).toBe(new Date(epochMs).toISOString());
    }
  });

  it('gives the right time again for a millisecond it made before, and for another that shares its slot', () => {
    const base = 1_765_000_000_123;
    for (const epochMs of [base, base + 0.7, base + 8, base, base - 8, base + 8 * 86_400_000, base + 0.2, -8, -0.3, 0, 8]) {
      expect(isoTimestamp(epochMs)).toBe(new Date(epochMs).toISOString());
    }
  });

  it('throws as toISOString does for a time no Date can hold', () => {
    for (const epochMs of [Number.NaN, Number.POSITIVE_INFINITY, 8.64e15 + 1, -8.64e15 - 1]) {
      expect(() => isoTimestamp(epochMs)).toThrow(RangeError);
    }
  });
});
