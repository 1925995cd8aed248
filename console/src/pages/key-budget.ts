// A key's budget and rate limits as the forms write them (dollars per day, week and month, a time zone;
// requests and tokens per minute) and as the list shows them (each capped window with what was spent in
// it, from billing.limits). The create form and the editor of an existing key (key-limits.tsx) share them.
import { dollarsText, formatCount, formatMicros, parseDollars } from '../format.ts';
import { InputError, type RouterInputs, type RouterOutputs } from '../trpc.ts';

export type KeyBudgetInput = NonNullable<RouterInputs['apiKeys']['create']['budget']>;
export type KeyRateLimitsInput = RouterInputs['apiKeys']['setRateLimits']['rateLimits'];
export type KeyBudgetStatus = RouterOutputs['billing']['limits']['keys'][number];
type ApiKey = RouterOutputs['apiKeys']['list'][number];

export const budgetPeriods = [
  { period: 'daily', field: 'dailyMicros', label: 'Daily budget in dollars (optional)', per: 'a day' },
  { period: 'weekly', field: 'weeklyMicros', label: 'Weekly budget in dollars (optional)', per: 'a week' },
  { period: 'monthly', field: 'monthlyMicros', label: 'Monthly budget in dollars (optional)', per: 'a month' },
] as const;

export const rateLimitFields = [
  { field: 'rpm', label: 'Requests per minute (optional)', unit: 'requests' },
  { field: 'tpm', label: 'Tokens per minute (optional)', unit: 'tokens' },
] as const;

export type BudgetDraft = Record<(typeof budgetPeriods)[number]['field'], string> & { timeZone: string };
export type RateLimitsDraft = Record<(typeof rateLimitFields)[number]['field'], string>;

export const emptyBudgetDraft: BudgetDraft = { dailyMicros: '', weeklyMicros: '', monthlyMicros: '', timeZone: 'UTC' };

/** A stored budget as the form's text, for editing it. */
export function draftFromBudget(budget: ApiKey['budget']): BudgetDraft {
  return {
    dailyMicros: dollarsText(budget.dailyMicros),
    weeklyMicros: dollarsText(budget.weeklyMicros),
    monthlyMicros: dollarsText(budget.monthlyMicros),
    timeZone: budget.timeZone,
  };
}

/** The draft as a budget, every window given (null: no cap). Throws InputError naming the bad amount. */
export function budgetFromDraft(draft: BudgetDraft): Required<KeyBudgetInput> {
  const budget: Required<KeyBudgetInput> = { dailyMicros: null, weeklyMicros: null, monthlyMicros: null, timeZone: draft.timeZone };
  for (const { field } of budgetPeriods) {
    const micros = parseDollars(draft[field]);
    if (Number.isNaN(micros)) throw new InputError(`budget.${field}`, 'write the amount in dollars, e.g. 5 or 12.50, or leave it empty for no cap');
    budget[field] = micros;
  }
  return budget;
}

/** Whether any window of the budget is capped. */
export function capsAnything(budget: KeyBudgetInput): boolean {
  return budgetPeriods.some(({ field }) => (budget[field] ?? null) !== null);
}

export function draftFromRateLimits(rateLimits: ApiKey['rateLimits']): RateLimitsDraft {
  return { rpm: rateLimits.rpm === null ? '' : String(rateLimits.rpm), tpm: rateLimits.tpm === null ? '' : String(rateLimits.tpm) };
}

/** The draft as rate limits (null: the organization's default per key). Throws InputError naming the bad number. */
export function rateLimitsFromDraft(draft: RateLimitsDraft): Required<KeyRateLimitsInput> {
  const limits: Required<KeyRateLimitsInput> = { rpm: null, tpm: null };
  for (const { field, unit } of rateLimitFields) {
    const text = draft[field].trim().replace(/[,_\s]/g, '');
    if (text === '') continue;
    if (!/^[1-9]\d{0,9}$/.test(text))
      throw new InputError(`rateLimits.${field}`, `write a whole number of ${unit} a minute, or leave it empty for the organization's default`);
    limits[field] = Number(text);
  }
  return limits;
}

/** The zones this browser knows, UTC first (the server checks the name again). */
export function timeZoneChoices(): string[] {
  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return ['UTC', ...zones.filter((zone) => zone !== 'UTC')];
}

/** "$5.00 a day: $1.25 spent" per capped window; the key's zone when it is not UTC. */
export function describeBudget(budget: ApiKey['budget'], status: KeyBudgetStatus | undefined): string[] {
  const lines = budgetPeriods.flatMap(({ period, field, per }) => {
    const cap = budget[field];
    if (cap === null) return [];
    const spent = status?.windows.find((window) => window.period === period)?.spentMicros;
    return [`${formatMicros(cap)} ${per}${spent === undefined ? '' : `: ${formatMicros(spent)} spent`}`];
  });
  if (lines.length > 0 && budget.timeZone !== 'UTC') lines.push(`in ${budget.timeZone}`);
  return lines;
}

/** "60 requests a minute" per limit the key sets itself. */
export function describeRateLimits(rateLimits: ApiKey['rateLimits']): string[] {
  return rateLimitFields.flatMap(({ field, unit }) => {
    const limit = rateLimits[field];
    return limit === null ? [] : [`${formatCount(limit)} ${unit} a minute`];
  });
}
