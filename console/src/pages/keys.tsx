// API keys of the open organization (a member sees their own): create one with optional scopes, expiry and
// budget (key-budget.ts), see its secret exactly once with a button to copy it, see each budget with what
// was spent in its window and each key's own rate limits, change them (owners and admins: key-limits.tsx),
// and revoke. Revoking asks for a second click.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { CopyableSecret } from '../components/copy-link.tsx';
import { ConfirmButton } from '../components/confirm-button.tsx';
import { Field } from '../components/field.tsx';
import { FormPanel, formFailure } from '../components/form-panel.tsx';
import { Empty, ListStatus } from '../components/status.tsx';
import { Table } from '../components/table.tsx';
import { formatTime } from '../format.ts';
import { trpc, type RouterOutputs } from '../trpc.ts';
import { budgetFromDraft, capsAnything, describeBudget, describeRateLimits, emptyBudgetDraft, type BudgetDraft, type KeyBudgetStatus } from './key-budget.ts';
import { BudgetFields, budgetFieldNames, KeyLimitsEditor } from './key-limits.tsx';
import { memberMay, type PageProps } from './page-props.ts';

type ApiKey = RouterOutputs['apiKeys']['list'][number];

/** "a, b" → ['a', 'b']; empty → null (no restriction). */
function listOrNull(text: string): string[] | null {
  const items = text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  return items.length > 0 ? items : null;
}

export function KeysPage({ org }: PageProps) {
  const orgId = org?.orgId ?? '';
  const queryClient = useQueryClient();
  const keys = useQuery({ queryKey: ['apiKeys', orgId], queryFn: () => trpc.apiKeys.list.query({ orgId }), enabled: org !== null });
  const limits = useQuery({ queryKey: ['limits', orgId], queryFn: () => trpc.billing.limits.query({ orgId }), enabled: org !== null });
  const [created, setCreated] = useState<RouterOutputs['apiKeys']['create'] | null>(null);
  const [editingId, setEditingId] = useState<string | null>(null);
  const editing = keys.data?.find((key) => key.id === editingId && key.revokedAt === null);
  const refresh = () =>
    Promise.all([queryClient.invalidateQueries({ queryKey: ['apiKeys', orgId] }), queryClient.invalidateQueries({ queryKey: ['limits', orgId] })]);

  if (!org) return <Empty>You belong to no organization yet.</Empty>;
  return (
    <section aria-labelledby="keys-title">
      <h1 id="keys-title">API keys</h1>
      <CreateKeyForm
        orgId={orgId}
        onCreated={(key) => {
          setCreated(key);
          void refresh();
        }}
      />
      {created ? <NewKeyNotice created={created} onDone={() => setCreated(null)} /> : null}
      <h2>Keys</h2>
      <ListStatus query={keys} count={keys.data?.length ?? 0} what="keys" empty="No keys yet." />
      {editing ? (
        <KeyLimitsEditor
          key={editing.id}
          apiKey={editing}
          onDone={() => {
            setEditingId(null);
            void refresh();
          }}
        />
      ) : null}
      {keys.data && keys.data.length > 0 ? (
        <KeyTable
          keys={keys.data}
          budgets={limits.data?.keys ?? []}
          onEdit={memberMay(org, 'apiKey.manageAll') ? setEditingId : null}
          onRevoked={() => void refresh()}
        />
      ) : null}
    </section>
  );
}

function CreateKeyForm({ orgId, onCreated }: { orgId: string; onCreated: (key: RouterOutputs['apiKeys']['create']) => void }) {
  const [name, setName] = useState('');
  const [expires, setExpires] = useState('');
  const [models, setModels] = useState('');
  const [providers, setProviders] = useState('');
  const [budget, setBudget] = useState<BudgetDraft>(emptyBudgetDraft);
  const create = useMutation({
    mutationFn: () => {
      const capped = budgetFromDraft(budget);
      return trpc.apiKeys.create.mutate({
        orgId,
        name,
        expiresAt: expires ? new Date(`${expires}T00:00:00Z`) : null,
        scopes: { models: listOrNull(models), providers: listOrNull(providers) },
        budget: capsAnything(capped) ? capped : undefined,
      });
    },
    onSuccess: (key) => {
      setName('');
      setExpires('');
      setModels('');
      setProviders('');
      setBudget(emptyBudgetDraft);
      onCreated(key);
    },
  });
  const failure = formFailure(create.error, ['name', 'expiresAt', 'scopes.models', 'scopes.providers', ...budgetFieldNames]);
  return (
    <FormPanel title="Create a key" mutation={create} failure={failure} button={['Create key', 'Creating…']}>
      <Field label="Name" required value={name} onChange={(event) => setName(event.target.value)} error={failure.blame('name')} />
      <Field
        label="Expires on (optional)"
        type="date"
        value={expires}
        onChange={(event) => setExpires(event.target.value)}
        error={failure.blame('expiresAt')}
      />
      <Field
        label="Models (optional)"
        hint="Comma-separated model ids or provider/*; empty = whatever the organization allows"
        value={models}
        onChange={(event) => setModels(event.target.value)}
        error={failure.blame('scopes.models')}
      />
      <Field
        label="Providers (optional)"
        hint="Comma-separated provider slugs; empty = whatever the organization allows"
        value={providers}
        onChange={(event) => setProviders(event.target.value)}
        error={failure.blame('scopes.providers')}
      />
      <BudgetFields draft={budget} onChange={setBudget} failure={failure} />
    </FormPanel>
  );
}

function NewKeyNotice({ created, onDone }: { created: RouterOutputs['apiKeys']['create']; onDone: () => void }) {
  return (
    <div className="panel notice" role="region" aria-labelledby="new-key-title">
      <h2 id="new-key-title">Key “{created.name}” created</h2>
      <p>Copy it now: it is shown only once, and the gateway keeps only its hash.</p>
      <CopyableSecret value={created.key} testId="new-key" />
      <button type="button" className="secondary" onClick={onDone}>
        I have stored it
      </button>
    </div>
  );
}

interface KeyTableProps {
  keys: ApiKey[];
  budgets: KeyBudgetStatus[];
  /** Opens a key's limits for editing; null for whoever may not change them (members). */
  onEdit: ((id: string) => void) | null;
  onRevoked: () => void;
}

function KeyTable({ keys, budgets, onEdit, onRevoked }: KeyTableProps) {
  return (
    <Table
      rows={keys}
      rowKey={(key) => key.id}
      columns={[
        { header: 'Name', rowHeader: true, cell: (key) => key.name },
        {
          header: 'Key',
          cell: (key) => (
            <code>
              {key.prefix}…{key.last4}
            </code>
          ),
        },
        {
          header: 'Scopes',
          cell: (key) => [key.scopes.models?.join(', '), key.scopes.providers?.join(', ')].filter(Boolean).join('; ') || 'all the org allows',
        },
        {
          header: 'Budget',
          cell: (key) => {
            const lines = describeBudget(
              key.budget,
              budgets.find((status) => status.apiKeyId === key.id),
            );
            return lines.length === 0 ? 'none' : lines.join('; ');
          },
        },
        {
          header: 'Rate limits',
          cell: (key) => describeRateLimits(key.rateLimits).join('; ') || 'the organization’s default',
        },
        { header: 'Created', cell: (key) => formatTime(key.createdAt) },
        { header: 'Expires', cell: (key) => formatTime(key.expiresAt) },
        { header: 'Last used', cell: (key) => formatTime(key.lastUsedAt) },
        {
          header: 'State',
          cell: (key) =>
            key.revokedAt ? (
              `revoked ${formatTime(key.revokedAt)}`
            ) : (
              <span className="actions">
                {onEdit ? (
                  <button type="button" className="secondary" aria-label={`Edit limits of ${key.name}`} onClick={() => onEdit(key.id)}>
                    Edit limits
                  </button>
                ) : null}
                <RevokeButton apiKey={key} onRevoked={onRevoked} />
              </span>
            ),
        },
      ]}
    />
  );
}

function RevokeButton({ apiKey, onRevoked }: { apiKey: ApiKey; onRevoked: () => void }) {
  const revoke = useMutation({ mutationFn: () => trpc.apiKeys.revoke.mutate({ id: apiKey.id }), onSuccess: onRevoked });
  return (
    <ConfirmButton action="Revoke" doing="revoking" subject={apiKey.name} onConfirm={() => revoke.mutate()} pending={revoke.isPending} error={revoke.error} />
  );
}
