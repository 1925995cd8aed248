// A key's budget as the create form writes it (dollars per day, week and month, a time zone) and as the
// list shows it (each capped window with what was spent in it, from billing.limits).
import { formatMicros, parseDollars } from '../format.ts';
import { InputError, type RouterInputs, type RouterOutputs } from '../trpc.ts';

export type KeyBudgetInput = NonNullable<RouterInputs['apiKeys']['create']['budget']>;
export type KeyBudgetStatus = RouterOutputs['billing']['limits']['keys'][number];

export const budgetPeriods = [
  { period: 'daily', field: 'dailyMicros', label: 'Daily budget in dollars (optional)', per: 'a day' },
  { period: 'weekly', field: 'weeklyMicros', label: 'Weekly budget in dollars (optional)', per: 'a week' },
  { period: 'monthly', field: 'monthlyMicros', label: 'Monthly budget in dollars (optional)', per: 'a month' },
] as const;

export type BudgetDraft = Record<(typeof budgetPeriods)[number]['field'], string> & { timeZone: string };

export const emptyBudgetDraft: BudgetDraft = { dailyMicros: '', weeklyMicros: '', monthlyMicros: '', timeZone: 'UTC' };

/** The draft as the create call's budget; undefined when no window is capped. Throws InputError naming the bad amount. */
export function budgetFromDraft(draft: BudgetDraft): KeyBudgetInput | undefined {
  const budget: KeyBudgetInput = { timeZone: draft.timeZone };
  for (const { field } of budgetPeriods) {
    const micros = parseDollars(draft[field]);
    if (Number.isNaN(micros)) throw new InputError(`budget.${field}`, 'write the amount in dollars, e.g. 5 or 12.50, or leave it empty for no cap');
    budget[field] = micros;
  }
  return budgetPeriods.some(({ field }) => budget[field] !== null) ? budget : undefined;
}

/** The zones this browser knows, UTC first (the server checks the name again). */
export function timeZoneChoices(): string[] {
  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return ['UTC', ...zones.filter((zone) => zone !== 'UTC')];
}

/** "$5.00 a day: $1.25 spent" per capped window; the key's zone when it is not UTC. */
export function describeBudget(budget: RouterOutputs['apiKeys']['list'][number]['budget'], status: KeyBudgetStatus | undefined): string[] {
  const lines = budgetPeriods.flatMap(({ period, field, per }) => {
    const cap = budget[field];
    if (cap === null) return [];
    const spent = status?.windows.find((window) => window.period === period)?.spentMicros;
    return [`${formatMicros(cap)} ${per}${spent === undefined ? '' : `: ${formatMicros(spent)} spent`}`];
  });
  if (lines.length > 0 && budget.timeZone !== 'UTC') lines.push(`in ${budget.timeZone}`);
  return lines;
}
