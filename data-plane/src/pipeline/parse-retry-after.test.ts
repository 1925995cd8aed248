import { describe, expect, it } from 'vitest';
import { parseRetryAfterMs } from './parse-retry-after.ts';

const now = Date.parse('Wed, 25 Nov 2026 07:00:00 GMT');

describe('parseRetryAfterMs', () => {
  it.each([
    ['7', 7_000],
    ['0', 0],
    [' 2 ', 2_000],
    ['1.5', 1_500],
    ['Wed, 25 Nov 2026 07:00:30 GMT', 30_000],
    ['Wed Nov 25 07:00:02 2026', 2_000],
    ['Wed, 25 Nov 2026 06:59:00 GMT', 0],
    ['-1', null],
    ['5s', null],
    ['soon', null],
    ['', null],
    [undefined, null],
    [['1', '2'], null],
  ] as const)('%j → %s', (value, expected) => {
    expect(parseRetryAfterMs(value as string | string[] | undefined, now)).toBe(expected);
  });
});
