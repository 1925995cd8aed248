// Editing one endpoint's prices on the Catalog page (platform admins): dollars per million tokens in, the
// catalog's nanodollars per token out (× 1000). Saving overrides the imported price; a later catalog
// import keeps an overridden price (catalog.overrideModelPrices), and data planes bill by it within a second.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Field } from '../components/field.tsx';
import { FormPanel, formFailure } from '../components/form-panel.tsx';
import { dollarsText, parseDollars } from '../format.ts';
import { InputError, trpc, type RouterOutputs } from '../trpc.ts';

type Model = RouterOutputs['models']['list'][number];
export type Endpoint = Model['endpoints'][number];

const priceFields = [
  { field: 'prompt', label: 'Prompt, $ per million tokens', required: true },
  { field: 'completion', label: 'Completion, $ per million tokens', required: true },
  { field: 'cacheRead', label: 'Cache read, $ per million tokens (optional)', required: false },
  { field: 'cacheWrite', label: 'Cache write, $ per million tokens (optional)', required: false },
] as const;
type PriceField = (typeof priceFields)[number]['field'];

/** n$ per token → the input's dollars per million tokens ("3" for 3000). */
function priceText(nanos: number | null): string {
  return nanos === null ? '' : dollarsText(nanos * 1000);
}

/** "3.25" $/Mtok → 3250 n$/token; empty → null. Whole nanodollars only: at most three decimals. */
function parsePrice(field: PriceField, text: string, required: boolean): number | null {
  const micros = parseDollars(text);
  if (micros === null && !required) return null;
  if (micros === null || Number.isNaN(micros) || micros % 1000 !== 0) {
    throw new InputError(`prices.${field}`, 'write dollars per million tokens with at most three decimals, e.g. 3 or 0.075');
  }
  return micros / 1000;
}

export function PriceEditor({ modelId, endpoint, onDone }: { modelId: string; endpoint: Endpoint; onDone: () => void }) {
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<Record<PriceField, string>>({
    prompt: priceText(endpoint.prices.prompt),
    completion: priceText(endpoint.prices.completion),
    cacheRead: priceText(endpoint.prices.cacheRead),
    cacheWrite: priceText(endpoint.prices.cacheWrite),
  });
  const save = useMutation({
    mutationFn: () => {
      const [prompt, completion, cacheRead, cacheWrite] = priceFields.map(({ field, required }) => parsePrice(field, draft[field], required));
      return trpc.catalog.overrideModelPrices.mutate({
        id: modelId,
        providerSlug: endpoint.providerSlug,
        prices: { prompt: prompt!, completion: completion!, cacheRead: cacheRead ?? null, cacheWrite: cacheWrite ?? null },
      });
    },
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['models'] });
      onDone();
    },
  });
  const failure = formFailure(
    save.error,
    priceFields.map(({ field }) => `prices.${field}`),
  );
  return (
    <FormPanel
      title={`Prices of ${modelId} on ${endpoint.providerSlug}`}
      mutation={save}
      failure={failure}
      button={['Save prices', 'Saving…']}
      onCancel={onDone}
    >
      {priceFields.map(({ field, label, required }, index) => (
        <Field
          key={field}
          label={label}
          inputMode="decimal"
          required={required}
          // The form opens on a click in the table: the first price is where the keyboard continues.
          autoFocus={index === 0}
          value={draft[field]}
          onChange={(event) => setDraft({ ...draft, [field]: event.target.value })}
          error={failure.blame(`prices.${field}`)}
        />
      ))}
    </FormPanel>
  );
}
