import { describe, expect, it } from 'vitest';
import { budgetWindows, computeBudgetWindows, isKnownTimeZone } from './budget-windows.ts';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

describe('budget windows', () => {
  it('are the UTC day, the week from Monday and the month by default', () => {
    // Sunday 6 December 2026.
    const windows = computeBudgetWindows('UTC', at('2026-12-06T23:59:59.999Z'));
    expect(windows.daily).toEqual({ key: '2026-12-06', startMs: at('2026-12-06T00:00:00Z'), endMs: at('2026-12-07T00:00:00Z') });
    expect(windows.weekly).toEqual({ key: '2026-11-30', startMs: at('2026-11-30T00:00:00Z'), endMs: at('2026-12-07T00:00:00Z') });
    expect(windows.monthly).toEqual({ key: '2026-12', startMs: at('2026-12-01T00:00:00Z'), endMs: at('2027-01-01T00:00:00Z') });
  });

  it("follow the zone's midnight: Sunday 20:00 UTC is already Monday in Tokyo", () => {
    const windows = computeBudgetWindows('Asia/Tokyo', at('2026-12-06T20:00:00Z'));
    expect(windows.daily.key).toBe('2026-12-07');
    expect(iso(windows.daily.startMs)).toBe('2026-12-06T15:00:00.000Z');
    expect(windows.weekly.key).toBe('2026-12-07');
    expect(iso(windows.monthly.endMs)).toBe('2026-12-31T15:00:00.000Z');
  });

  it('have 23 or 25 hours across a DST change', () => {
    // Europe/Paris springs forward on Sunday 29 March 2026 and falls back on Sunday 25 October 2026.
    const spring = computeBudgetWindows('Europe/Paris', at('2026-03-29T12:00:00Z')).daily;
    expect([iso(spring.startMs), iso(spring.endMs)]).toEqual(['2026-03-28T23:00:00.000Z', '2026-03-29T22:00:00.000Z']);
    const autumn = computeBudgetWindows('Europe/Paris', at('2026-10-25T12:00:00Z')).daily;
    expect(autumn.endMs - autumn.startMs).toBe(25 * 3_600_000);
    expect(iso(computeBudgetWindows('America/New_York', at('2026-03-08T12:00:00Z')).weekly.startMs)).toBe('2026-03-02T05:00:00.000Z');
  });

  it('are recomputed when the cached day ends, and an unknown zone counts in UTC', () => {
    expect(budgetWindows('UTC', at('2026-12-06T10:00:00Z')).daily.key).toBe('2026-12-06');
    expect(budgetWindows('UTC', at('2026-12-07T00:00:00Z')).daily.key).toBe('2026-12-07');
    expect(isKnownTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(budgetWindows('Mars/Olympus_Mons', at('2026-12-06T10:00:00Z'))).toEqual(computeBudgetWindows('UTC', at('2026-12-06T10:00:00Z')));
  });
});
