// A key's budget fields (the create form's and the editor's), and the editor that changes an existing
// key's budget and rate limits (owners and admins: apiKeys.setBudget and apiKeys.setRateLimits). Emptying
// a field and saving lifts that cap; only what changed is sent, so an unchanged part writes no audit row.
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { Field, SelectField } from '../components/field.tsx';
import { FormPanel, formFailure, type FormFailure } from '../components/form-panel.tsx';
import { trpc, type RouterOutputs } from '../trpc.ts';
import {
  budgetFromDraft,
  budgetPeriods,
  draftFromBudget,
  draftFromRateLimits,
  rateLimitFields,
  rateLimitsFromDraft,
  timeZoneChoices,
  type BudgetDraft,
  type RateLimitsDraft,
} from './key-budget.ts';

type ApiKey = RouterOutputs['apiKeys']['list'][number];

function differs<Value extends object>(next: Value, stored: Value): boolean {
  return (Object.keys(next) as (keyof Value)[]).some((field) => next[field] !== stored[field]);
}

/** The fields a budget's failure can blame, as the server names them. */
export const budgetFieldNames = [...budgetPeriods.map(({ field }) => `budget.${field}`), 'budget.timeZone'];

export function BudgetFields({
  draft,
  onChange,
  failure,
  autoFocus = false,
}: {
  draft: BudgetDraft;
  onChange: (draft: BudgetDraft) => void;
  failure: FormFailure;
  /** The editor opens on a click in the table: its first field is where the keyboard continues. */
  autoFocus?: boolean;
}) {
  const [zones] = useState(timeZoneChoices);
  return (
    <>
      {budgetPeriods.map(({ field, label }, index) => (
        <Field
          key={field}
          label={label}
          inputMode="decimal"
          autoFocus={autoFocus && index === 0}
          value={draft[field]}
          onChange={(event) => onChange({ ...draft, [field]: event.target.value })}
          error={failure.blame(`budget.${field}`)}
        />
      ))}
      <SelectField
        label="Budget time zone"
        hint="Budgets start over at midnight here; weeks start on Monday"
        choices={zones}
        value={draft.timeZone}
        onChange={(event) => onChange({ ...draft, timeZone: event.target.value })}
        error={failure.blame('budget.timeZone')}
      />
    </>
  );
}

export function KeyLimitsEditor({ apiKey, onDone }: { apiKey: ApiKey; onDone: () => void }) {
  const [budget, setBudget] = useState(() => draftFromBudget(apiKey.budget));
  const [rateLimits, setRateLimits] = useState(() => draftFromRateLimits(apiKey.rateLimits));
  const save = useMutation({
    mutationFn: async () => {
      // Both parsed before either is sent: a bad number saves nothing.
      const newBudget = budgetFromDraft(budget);
      const newRateLimits = rateLimitsFromDraft(rateLimits);
      if (differs(newBudget, apiKey.budget)) await trpc.apiKeys.setBudget.mutate({ id: apiKey.id, budget: newBudget });
      if (differs(newRateLimits, apiKey.rateLimits)) await trpc.apiKeys.setRateLimits.mutate({ id: apiKey.id, rateLimits: newRateLimits });
    },
    onSuccess: onDone,
  });
  const failure = formFailure(save.error, [...budgetFieldNames, ...rateLimitFields.map(({ field }) => `rateLimits.${field}`)]);
  return (
    <FormPanel title={`Limits of key “${apiKey.name}”`} mutation={save} failure={failure} button={['Save limits', 'Saving…']} onCancel={onDone}>
      <BudgetFields draft={budget} onChange={setBudget} failure={failure} autoFocus />
      {rateLimitFields.map(({ field, label }) => (
        <Field
          key={field}
          label={label}
          hint="Empty: the organization's default per key"
          inputMode="numeric"
          value={rateLimits[field]}
          onChange={(event) => setRateLimits({ ...rateLimits, [field]: event.target.value } satisfies RateLimitsDraft)}
          error={failure.blame(`rateLimits.${field}`)}
        />
      ))}
    </FormPanel>
  );
}
