// The organization's policy: which models (exact ids or `provider/*`) and providers its keys may use, the
// providers never used, and the default daily spending limit per member. While editing, a live preview
// lists the catalog models the draft allows, decided by the data plane's own matchers (check-policy.ts),
// so the preview and the gateway cannot disagree. Owners and admins edit; others read.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState, type FormEvent } from 'react';
import { isModelAllowed, isProviderAllowed } from '../../../data-plane/src/pipeline/check-policy.ts';
import { Check, Field } from '../components/field.tsx';
import { FormError, formFailure } from '../components/form-panel.tsx';
import { Empty, ErrorNote, Loading } from '../components/status.tsx';
import { dollarsText, formatCount, parseDollars } from '../format.ts';
import { InputError, trpc, type RouterOutputs } from '../trpc.ts';
import { memberMay, type PageProps } from './page-props.ts';

type Policy = RouterOutputs['policies']['get'];
type Model = RouterOutputs['models']['list'][number];
const PREVIEW_LIMIT = 100;

export function PoliciesPage({ org }: PageProps) {
  const orgId = org?.orgId ?? '';
  const policy = useQuery({ queryKey: ['policy', orgId], queryFn: () => trpc.policies.get.query({ orgId }), enabled: org !== null });
  const models = useQuery({ queryKey: ['models'], queryFn: () => trpc.models.list.query() });
  if (!org) return <Empty>You belong to no organization yet.</Empty>;
  return (
    <section aria-labelledby="policies-title">
      <h1 id="policies-title">Policies</h1>
      {policy.isPending || models.isPending ? <Loading what="the policy and the catalog" /> : null}
      <ErrorNote error={policy.error ?? models.error} />
      {policy.data && models.data ? <PolicyForm orgId={orgId} policy={policy.data} models={models.data} editable={memberMay(org, 'policy.update')} /> : null}
    </section>
  );
}

const lines = (text: string) =>
  text
    .split(/[\n,]/)
    .map((line) => line.trim())
    .filter(Boolean);

function PolicyForm({ orgId, policy, models, editable }: { orgId: string; policy: Policy; models: Model[]; editable: boolean }) {
  const queryClient = useQueryClient();
  const providers = useMemo(() => [...new Set(models.flatMap((model) => model.endpoints.map((endpoint) => endpoint.providerSlug)))].sort(), [models]);
  const [restrictModels, setRestrictModels] = useState(policy.allowedModels !== null);
  const [modelText, setModelText] = useState((policy.allowedModels ?? []).join('\n'));
  const [restrictProviders, setRestrictProviders] = useState(policy.allowedProviders !== null);
  const [allowedProviders, setAllowedProviders] = useState(new Set(policy.allowedProviders ?? []));
  const [deniedProviders, setDeniedProviders] = useState(new Set(policy.deniedProviders));
  const [limit, setLimit] = useState(dollarsText(policy.dailyLimitMicros));

  const draft = {
    allowedModels: restrictModels ? lines(modelText) : null,
    allowedProviders: restrictProviders ? [...allowedProviders] : null,
    deniedProviders: [...deniedProviders],
  };
  const allowed = models.filter(
    (model) =>
      model.enabled &&
      isModelAllowed(draft.allowedModels, model.id) &&
      model.endpoints.some((endpoint) =>
        isProviderAllowed({ allowedProviders: draft.allowedProviders, deniedProviders: draft.deniedProviders }, endpoint.providerSlug),
      ),
  );

  const save = useMutation({
    mutationFn: () => {
      const dailyLimitMicros = parseDollars(limit);
      if (Number.isNaN(dailyLimitMicros)) throw new InputError('dailyLimitMicros', 'write the daily limit in dollars, e.g. 25, or leave it empty for none');
      return trpc.policies.update.mutate({ orgId, ...draft, dailyLimitMicros });
    },
    onSuccess: (saved) => queryClient.setQueryData(['policy', orgId], saved),
  });
  const failure = formFailure(save.error, ['allowedModels', 'allowedProviders', 'deniedProviders', 'dailyLimitMicros']);
  const providerFailure = failure.blame('allowedProviders') ?? failure.blame('deniedProviders');
  const toggle = (set: Set<string>, slug: string, on: boolean) => {
    const next = new Set(set);
    if (on) next.add(slug);
    else next.delete(slug);
    return next;
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };

  return (
    <form onSubmit={submit} aria-label="Organization policy">
      <fieldset className="panel" disabled={!editable}>
        <legend>Models</legend>
        <Check label="Only allow the models listed" checked={restrictModels} onChange={setRestrictModels} />
        {restrictModels ? (
          <div className="field">
            <label htmlFor="allowed-models">Allowed models, one per line</label>
            <textarea
              id="allowed-models"
              rows={5}
              value={modelText}
              onChange={(event) => setModelText(event.target.value)}
              aria-invalid={failure.blame('allowedModels') ? true : undefined}
              aria-describedby="allowed-models-hint"
            />
            <small id="allowed-models-hint" className="muted">
              Exact model ids (openai/gpt-4o) or every model of a provider (anthropic/*)
            </small>
            {failure.blame('allowedModels') ? (
              <small className="error" role="alert">
                {failure.blame('allowedModels')}
              </small>
            ) : null}
          </div>
        ) : null}
      </fieldset>
      <fieldset className="panel" disabled={!editable}>
        <legend>Providers</legend>
        <Check label="Only allow the providers ticked" checked={restrictProviders} onChange={setRestrictProviders} />
        <div className="provider-grid">
          {providers.map((slug) => (
            // A group named by the provider, so "allowed" and "never used" are read with the provider they are about.
            <fieldset key={slug} className="provider-rule">
              <legend>{slug}</legend>
              {restrictProviders ? (
                <Check label="allowed" checked={allowedProviders.has(slug)} onChange={(on) => setAllowedProviders(toggle(allowedProviders, slug, on))} />
              ) : null}
              <Check label="never used" checked={deniedProviders.has(slug)} onChange={(on) => setDeniedProviders(toggle(deniedProviders, slug, on))} />
            </fieldset>
          ))}
        </div>
        {providerFailure ? (
          <p className="error" role="alert">
            {providerFailure}
          </p>
        ) : null}
      </fieldset>
      <fieldset className="panel" disabled={!editable}>
        <legend>Spending</legend>
        <Field
          label="Default daily limit per member, in dollars"
          inputMode="decimal"
          placeholder="none"
          value={limit}
          onChange={(event) => setLimit(event.target.value)}
          hint="Members' own limits (Members page) override it; empty = no limit"
          error={failure.blame('dailyLimitMicros')}
        />
      </fieldset>
      <FormError failure={failure} />
      {editable ? (
        <p className="actions">
          <button type="submit" disabled={save.isPending}>
            {save.isPending ? 'Saving…' : 'Save policy'}
          </button>
          <span role="status">{save.isSuccess ? 'Saved: data planes apply it within a second' : ''}</span>
        </p>
      ) : (
        <p className="muted">Only owners and admins change the policy.</p>
      )}
      <section className="panel" aria-labelledby="preview-title">
        <h2 id="preview-title">Models this policy allows</h2>
        <p role="status" data-testid="policy-preview-count">
          {formatCount(allowed.length)} of {formatCount(models.filter((model) => model.enabled).length)} enabled catalog models
        </p>
        {allowed.length === 0 ? <Empty>No model is allowed: every request would be refused.</Empty> : null}
        <ul className="model-list">
          {allowed.slice(0, PREVIEW_LIMIT).map((model) => (
            <li key={model.id}>
              <code>{model.id}</code>
            </li>
          ))}
        </ul>
        {allowed.length > PREVIEW_LIMIT ? <p className="muted">and {formatCount(allowed.length - PREVIEW_LIMIT)} more</p> : null}
      </section>
    </form>
  );
}
