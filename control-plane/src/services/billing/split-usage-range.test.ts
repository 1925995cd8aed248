import { describe, expect, test } from 'vitest';
import { splitUsageRange } from './split-usage-range.ts';

const at = (iso: string) => new Date(iso);

describe('splitUsageRange', () => {
  test.each([
    {
      name: 'mid-day edges: a raw head, whole days, a raw tail',
      from: '2026-11-01T13:30:00.000Z',
      to: '2026-11-04T06:00:00.000Z',
      wholeDays: { fromDay: '2026-11-02', toDay: '2026-11-04' },
      rawRanges: [
        ['2026-11-01T13:30:00.000Z', '2026-11-02T00:00:00.000Z'],
        ['2026-11-04T00:00:00.000Z', '2026-11-04T06:00:00.000Z'],
      ],
    },
    {
      name: 'midnight to midnight: days only',
      from: '2026-11-01T00:00:00.000Z',
      to: '2026-11-03T00:00:00.000Z',
      wholeDays: { fromDay: '2026-11-01', toDay: '2026-11-03' },
      rawRanges: [],
    },
    {
      name: 'from at midnight, to mid-day',
      from: '2026-11-01T00:00:00.000Z',
      to: '2026-11-02T00:00:00.001Z',
      wholeDays: { fromDay: '2026-11-01', toDay: '2026-11-02' },
      rawRanges: [['2026-11-02T00:00:00.000Z', '2026-11-02T00:00:00.001Z']],
    },
    {
      name: 'inside one day: raw only',
      from: '2026-11-01T01:00:00.000Z',
      to: '2026-11-01T02:00:00.000Z',
      wholeDays: null,
      rawRanges: [['2026-11-01T01:00:00.000Z', '2026-11-01T02:00:00.000Z']],
    },
    {
      name: 'across one midnight without a whole day: raw only',
      from: '2026-11-01T20:00:00.000Z',
      to: '2026-11-02T04:00:00.000Z',
      wholeDays: null,
      rawRanges: [['2026-11-01T20:00:00.000Z', '2026-11-02T04:00:00.000Z']],
    },
    { name: 'empty range', from: '2026-11-01T01:00:00.000Z', to: '2026-11-01T01:00:00.000Z', wholeDays: null, rawRanges: [] },
  ])('$name', ({ from, to, wholeDays, rawRanges }) => {
    const parts = splitUsageRange(at(from), at(to));
    expect(parts.wholeDays).toEqual(wholeDays);
    expect(parts.rawRanges.map((range) => [range.from.toISOString(), range.to.toISOString()])).toEqual(rawRanges);
  });
});
