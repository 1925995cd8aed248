// The catalog (platform admins): the providers the data planes call and the models they serve, each model's
// endpoints with their upstream model and prices (editable: catalog-prices.tsx), a filter over the models,
// and a switch per model. A disabled model stays in the catalog (its prices and endpoints kept) but leaves
// the snapshot, so data planes refuse it within a second.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { Field } from '../components/field.tsx';
import { Empty, ErrorNote, ListStatus } from '../components/status.tsx';
import { Table } from '../components/table.tsx';
import { formatPricePerMillion } from '../format.ts';
import { trpc, type RouterOutputs } from '../trpc.ts';
import { PriceEditor } from './catalog-prices.tsx';

type Model = RouterOutputs['models']['list'][number];
type Editing = { modelId: string; providerSlug: string } | null;

/** Whether the model's id, name or one of its endpoints' provider or upstream model contains the filter text. */
function matches(model: Model, filter: string): boolean {
  const needle = filter.trim().toLowerCase();
  if (needle === '') return true;
  const haystack = [model.id, model.name, ...model.endpoints.flatMap((endpoint) => [endpoint.providerSlug, endpoint.upstreamModel])];
  return haystack.some((text) => text.toLowerCase().includes(needle));
}

export function CatalogPage() {
  const providers = useQuery({ queryKey: ['catalog', 'providers'], queryFn: () => trpc.catalog.providers.query() });
  const models = useQuery({ queryKey: ['models'], queryFn: () => trpc.models.list.query() });
  const [filter, setFilter] = useState('');
  const [editing, setEditing] = useState<Editing>(null);
  const shown = useMemo(() => (models.data ?? []).filter((model) => matches(model, filter)), [models.data, filter]);
  const editedModel = editing ? models.data?.find((model) => model.id === editing.modelId) : undefined;
  const editedEndpoint = editedModel?.endpoints.find((endpoint) => endpoint.providerSlug === editing?.providerSlug);
  return (
    <section aria-labelledby="catalog-title">
      <h1 id="catalog-title">Catalog</h1>
      <p className="muted">Every organization's requests are routed from this catalog; prices are in dollars per million tokens.</p>
      <h2>Providers</h2>
      <ListStatus query={providers} count={providers.data?.length ?? 0} what="providers" empty="No providers yet." />
      {providers.data && providers.data.length > 0 ? (
        <Table
          rows={providers.data}
          rowKey={(provider) => provider.id}
          columns={[
            { header: 'Provider', rowHeader: true, cell: (provider) => provider.slug },
            { header: 'Kind', cell: (provider) => provider.kind },
            { header: 'Base URL', cell: (provider) => <code>{provider.baseUrl}</code> },
            { header: 'Key variable', cell: (provider) => (provider.apiKeyEnv ? <code>{provider.apiKeyEnv}</code> : '—') },
            { header: 'State', cell: (provider) => (provider.enabled ? 'enabled' : 'disabled') },
          ]}
        />
      ) : null}
      <h2>Models</h2>
      <ListStatus query={models} count={models.data?.length ?? 0} what="models" empty="No models yet." />
      {models.data && models.data.length > 0 ? (
        <div className="toolbar">
          <Field
            label="Filter models"
            type="search"
            hint="Part of a model id, name, provider or upstream model"
            value={filter}
            onChange={(event) => setFilter(event.target.value)}
          />
          <p role="status" className="muted" data-testid="catalog-model-count">
            {shown.length} of {models.data.length} models
          </p>
        </div>
      ) : null}
      {editing && editedEndpoint ? (
        <PriceEditor key={`${editing.modelId} ${editing.providerSlug}`} modelId={editing.modelId} endpoint={editedEndpoint} onDone={() => setEditing(null)} />
      ) : null}
      {models.data && models.data.length > 0 && shown.length === 0 ? <Empty>No model matches “{filter.trim()}”.</Empty> : null}
      {shown.length > 0 ? (
        <Table
          rows={shown}
          rowKey={(model) => model.id}
          rowClassName={(model) => (model.enabled ? undefined : 'muted')}
          columns={[
            { header: 'Model', rowHeader: true, cell: (model) => <code>{model.id}</code> },
            { header: 'Name', cell: (model) => model.name },
            { header: 'Endpoints (provider: upstream model, prompt / completion)', cell: (model) => <Endpoints model={model} onEdit={setEditing} /> },
            { header: 'State', cell: (model) => (model.enabled ? 'enabled' : 'disabled') },
            { header: 'Actions', cell: (model) => <EnableButton model={model} /> },
          ]}
        />
      ) : null}
    </section>
  );
}

function Endpoints({ model, onEdit }: { model: Model; onEdit: (editing: Editing) => void }) {
  return (
    <ul className="plain">
      {model.endpoints.map((endpoint) => (
        <li key={endpoint.providerId}>
          {endpoint.providerSlug}: <code>{endpoint.upstreamModel}</code>, {formatPricePerMillion(endpoint.prices.prompt)} /{' '}
          {formatPricePerMillion(endpoint.prices.completion)}
          {endpoint.priceOverridden ? ' (overridden)' : ''}{' '}
          <button
            type="button"
            className="link"
            aria-label={`Edit prices of ${model.id} on ${endpoint.providerSlug}`}
            onClick={() => onEdit({ modelId: model.id, providerSlug: endpoint.providerSlug })}
          >
            Edit prices
          </button>
        </li>
      ))}
    </ul>
  );
}

function EnableButton({ model }: { model: Model }) {
  const queryClient = useQueryClient();
  const toggle = useMutation({
    mutationFn: () => trpc.catalog.setModelEnabled.mutate({ id: model.id, enabled: !model.enabled }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['models'] }),
  });
  const action = model.enabled ? 'Disable' : 'Enable';
  return (
    <>
      <button
        type="button"
        className={model.enabled ? 'secondary' : undefined}
        onClick={() => toggle.mutate()}
        disabled={toggle.isPending}
        aria-label={`${action} ${model.id}`}
      >
        {action}
      </button>
      <ErrorNote error={toggle.error} />
    </>
  );
}
