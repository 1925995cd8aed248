// How the console writes money, counts and times. Money arrives as integer microdollars (1 USD = 1,000,000 µ$).

const dollars = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 6 });
const counts = new Intl.NumberFormat('en-US');

export function formatMicros(micros: number): string {
  return dollars.format(micros / 1_000_000);
}

export function formatCount(count: number): string {
  return counts.format(count);
}

/** A timestamp in the reader's locale, to the second. */
export function formatTime(value: string | null): string {
  return value === null ? '—' : new Date(value).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

export function formatMilliseconds(milliseconds: number | null): string {
  return milliseconds === null ? '—' : `${counts.format(Math.round(milliseconds))} ms`;
}

/** "12.5" (dollars, up to 6 decimals) → 12_500_000 µ$; "" → null; anything else → NaN. */
export function parseDollars(text: string): number | null {
  const trimmed = text.trim().replace(/^\$/, '');
  if (trimmed === '') return null;
  const match = /^(\d{1,9})(?:\.(\d{0,6}))?$/.exec(trimmed);
  if (!match) return Number.NaN;
  return Number(match[1]) * 1_000_000 + Number((match[2] ?? '').padEnd(6, '0'));
}

/** 12_500_000 µ$ → "12.5", for an input's value. */
export function dollarsText(micros: number | null): string {
  return micros === null ? '' : String(micros / 1_000_000);
}

/** A date input's "2026-12-01" → the start of that day in UTC; "" → undefined (no bound). */
export function startOfUtcDay(date: string): Date | undefined {
  return date ? new Date(`${date}T00:00:00Z`) : undefined;
}

/** A date input's "2026-12-01" → the start of the next day in UTC, so the bound takes the whole day. */
export function endOfUtcDay(date: string): Date | undefined {
  return date ? new Date(new Date(`${date}T00:00:00Z`).getTime() + 86_400_000) : undefined;
}

/** A price in nanodollars per token → dollars per million tokens, as price lists publish them (3000 → "$3.00"). */
export function formatPricePerMillion(nanosPerToken: number): string {
  // n$/token × 1e6 tokens ÷ 1e9 n$/$ = ÷ 1000; whole nanodollars have at most 3 decimals here, within `dollars`' 6.
  return dollars.format(nanosPerToken / 1000);
}
