// API keys of the open organization (a member sees their own): create one with optional scopes and expiry,
// see its secret exactly once with a button to copy it, and revoke. Revoking asks for a second click.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { CopyableSecret } from '../components/copy-link.tsx';
import { Field } from '../components/field.tsx';
import { Empty, ErrorNote, Loading } from '../components/status.tsx';
import { formatTime } from '../format.ts';
import { describeError, trpc, type RouterOutputs } from '../trpc.ts';
import type { PageProps } from './page-props.ts';

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
  const [created, setCreated] = useState<RouterOutputs['apiKeys']['create'] | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['apiKeys', orgId] });

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
      {keys.isPending ? <Loading what="keys" /> : null}
      <ErrorNote error={keys.error} />
      {keys.data && keys.data.length === 0 ? <Empty>No keys yet.</Empty> : null}
      {keys.data && keys.data.length > 0 ? <KeyTable keys={keys.data} onRevoked={() => void refresh()} /> : null}
    </section>
  );
}

function CreateKeyForm({ orgId, onCreated }: { orgId: string; onCreated: (key: RouterOutputs['apiKeys']['create']) => void }) {
  const [name, setName] = useState('');
  const [expires, setExpires] = useState('');
  const [models, setModels] = useState('');
  const [providers, setProviders] = useState('');
  const create = useMutation({
    mutationFn: () =>
      trpc.apiKeys.create.mutate({
        orgId,
        name,
        expiresAt: expires ? new Date(`${expires}T00:00:00Z`) : null,
        scopes: { models: listOrNull(models), providers: listOrNull(providers) },
      }),
    onSuccess: (key) => {
      setName('');
      setExpires('');
      setModels('');
      setProviders('');
      onCreated(key);
    },
  });
  const failure = create.error ? describeError(create.error) : null;
  const blames = (param: string) => (failure && failure.param?.startsWith(param) ? failure.message : null);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  return (
    <form className="panel" onSubmit={submit} aria-labelledby="create-key-title">
      <h2 id="create-key-title">Create a key</h2>
      <div className="grid-fields">
        <Field label="Name" required value={name} onChange={(event) => setName(event.target.value)} error={blames('name')} />
        <Field label="Expires on (optional)" type="date" value={expires} onChange={(event) => setExpires(event.target.value)} error={blames('expiresAt')} />
        <Field
          label="Models (optional)"
          hint="Comma-separated model ids or provider/*; empty = whatever the organization allows"
          value={models}
          onChange={(event) => setModels(event.target.value)}
          error={blames('scopes.models')}
        />
        <Field
          label="Providers (optional)"
          hint="Comma-separated provider slugs; empty = whatever the organization allows"
          value={providers}
          onChange={(event) => setProviders(event.target.value)}
          error={blames('scopes.providers')}
        />
      </div>
      {failure && !['name', 'expiresAt', 'scopes'].some((param) => failure.param?.startsWith(param)) ? (
        <p className="error" role="alert">
          {failure.message}
        </p>
      ) : null}
      <button type="submit" disabled={create.isPending}>
        {create.isPending ? 'Creating…' : 'Create key'}
      </button>
    </form>
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

function KeyTable({ keys, onRevoked }: { keys: ApiKey[]; onRevoked: () => void }) {
  return (
    <div className="table-scroll">
      <table>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Key</th>
            <th scope="col">Scopes</th>
            <th scope="col">Created</th>
            <th scope="col">Expires</th>
            <th scope="col">Last used</th>
            <th scope="col">State</th>
          </tr>
        </thead>
        <tbody>
          {keys.map((key) => (
            <tr key={key.id}>
              <th scope="row">{key.name}</th>
              <td>
                <code>
                  {key.prefix}…{key.last4}
                </code>
              </td>
              <td>{[key.scopes.models?.join(', '), key.scopes.providers?.join(', ')].filter(Boolean).join('; ') || 'all the org allows'}</td>
              <td>{formatTime(key.createdAt)}</td>
              <td>{formatTime(key.expiresAt)}</td>
              <td>{formatTime(key.lastUsedAt)}</td>
              <td>{key.revokedAt ? `revoked ${formatTime(key.revokedAt)}` : <RevokeButton apiKey={key} onRevoked={onRevoked} />}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function RevokeButton({ apiKey, onRevoked }: { apiKey: ApiKey; onRevoked: () => void }) {
  const [confirming, setConfirming] = useState(false);
  const revoke = useMutation({ mutationFn: () => trpc.apiKeys.revoke.mutate({ id: apiKey.id }), onSuccess: onRevoked });
  if (!confirming)
    return (
      <button type="button" className="secondary" onClick={() => setConfirming(true)} aria-label={`Revoke ${apiKey.name}`}>
        Revoke
      </button>
    );
  return (
    <span className="confirm">
      <button type="button" className="danger" onClick={() => revoke.mutate()} disabled={revoke.isPending} aria-label={`Confirm revoking ${apiKey.name}`}>
        Revoke now
      </button>
      <button type="button" className="secondary" onClick={() => setConfirming(false)}>
        Cancel
      </button>
      <ErrorNote error={revoke.error} />
    </span>
  );
}
