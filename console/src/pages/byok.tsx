// Bring your own key: the organization's (owners, admins) and members' own provider keys. A key is sent
// once and never shown again: the list has its last four characters and the master key version wrapping
// it. Platform admins also re-wrap every key to the current master key version (rotation) here.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Field } from '../components/field.tsx';
import { Empty, ErrorNote, Loading } from '../components/status.tsx';
import { formatCount, formatTime } from '../format.ts';
import { describeError, trpc, type RouterOutputs } from '../trpc.ts';
import { memberMay, type Membership, type PageProps } from './page-props.ts';

type Credential = RouterOutputs['byok']['list'][number];

export function ByokPage({ org, user }: PageProps) {
  const orgId = org?.orgId ?? '';
  const queryClient = useQueryClient();
  const credentials = useQuery({ queryKey: ['byok', orgId], queryFn: () => trpc.byok.list.query({ orgId }), enabled: org !== null });
  const members = useQuery({ queryKey: ['members', orgId], queryFn: () => trpc.members.list.query({ orgId }), enabled: org !== null });
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ['byok', orgId] });
  if (!org) return <Empty>You belong to no organization yet.</Empty>;
  const emails = new Map(members.data?.map((member) => [member.userId, member.email]));
  return (
    <section aria-labelledby="byok-title">
      <h1 id="byok-title">Provider keys (BYOK)</h1>
      <p className="muted">Requests to a provider you hold a key for use your key first; the gateway then bills you nothing for them.</p>
      <AddKeyForm org={org} userId={user.id} onAdded={refresh} />
      <h2>Keys</h2>
      {credentials.isPending ? <Loading what="provider keys" /> : null}
      <ErrorNote error={credentials.error} />
      {credentials.data && credentials.data.length === 0 ? <Empty>No provider keys yet.</Empty> : null}
      {credentials.data && credentials.data.length > 0 ? (
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Provider</th>
                <th scope="col">Whose</th>
                <th scope="col">Key</th>
                <th scope="col">Master key version</th>
                <th scope="col">Added</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {credentials.data.map((credential) => (
                <tr key={credential.id}>
                  <th scope="row">{credential.providerSlug}</th>
                  <td>{credential.userId === null ? 'the organization' : (emails.get(credential.userId) ?? credential.userId)}</td>
                  <td>
                    <code>…{credential.last4}</code>
                  </td>
                  <td>{credential.masterKeyVersion}</td>
                  <td>{formatTime(credential.createdAt)}</td>
                  <td>
                    <DeleteButton credential={credential} onDeleted={refresh} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {user.isPlatformAdmin ? <Rotation onRotated={refresh} /> : null}
    </section>
  );
}

function AddKeyForm({ org, userId, onAdded }: { org: Membership; userId: string; onAdded: () => void }) {
  const models = useQuery({ queryKey: ['models'], queryFn: () => trpc.models.list.query() });
  const providers = [...new Set(models.data?.flatMap((model) => model.endpoints.map((endpoint) => endpoint.providerSlug)) ?? [])].sort();
  const forOrg = memberMay(org, 'byok.manageAll');
  const [provider, setProvider] = useState('');
  const [key, setKey] = useState('');
  const [whose, setWhose] = useState<'org' | 'me'>(forOrg ? 'org' : 'me');
  const add = useMutation({
    mutationFn: () => trpc.byok.create.mutate({ orgId: org.orgId, provider, key, userId: whose === 'org' ? null : userId }),
    onSuccess: () => {
      setKey('');
      onAdded();
    },
  });
  const failure = add.error ? describeError(add.error) : null;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    add.mutate();
  };
  return (
    <form className="panel" onSubmit={submit} aria-labelledby="add-byok-title">
      <h2 id="add-byok-title">Add a provider key</h2>
      <div className="grid-fields">
        <div className="field">
          <label htmlFor="byok-provider">Provider</label>
          <select id="byok-provider" required value={provider} onChange={(event) => setProvider(event.target.value)}>
            <option value="">Choose…</option>
            {providers.map((slug) => (
              <option key={slug} value={slug}>
                {slug}
              </option>
            ))}
          </select>
          {failure?.param === 'provider' ? (
            <small className="error" role="alert">
              {failure.message}
            </small>
          ) : null}
        </div>
        <Field
          label="Key"
          type="password"
          autoComplete="off"
          required
          value={key}
          onChange={(event) => setKey(event.target.value)}
          hint="Stored encrypted and never shown again"
          error={failure?.param === 'key' ? failure.message : null}
        />
        {forOrg ? (
          <div className="field">
            <label htmlFor="byok-whose">For</label>
            <select id="byok-whose" value={whose} onChange={(event) => setWhose(event.target.value as 'org' | 'me')}>
              <option value="org">the whole organization</option>
              <option value="me">my own requests</option>
            </select>
          </div>
        ) : null}
      </div>
      {failure && failure.param !== 'provider' && failure.param !== 'key' ? (
        <p className="error" role="alert">
          {failure.message}
        </p>
      ) : null}
      <button type="submit" disabled={add.isPending}>
        {add.isPending ? 'Adding…' : 'Add key'}
      </button>
      <span role="status">{add.isSuccess ? ` Added …${add.data.last4}` : ''}</span>
    </form>
  );
}

function DeleteButton({ credential, onDeleted }: { credential: Credential; onDeleted: () => void }) {
  const [confirming, setConfirming] = useState(false);
  const remove = useMutation({ mutationFn: () => trpc.byok.delete.mutate({ id: credential.id }), onSuccess: onDeleted });
  const name = `${credential.providerSlug} key …${credential.last4}`;
  return (
    <span className="confirm">
      {confirming ? (
        <>
          <button type="button" className="danger" onClick={() => remove.mutate()} disabled={remove.isPending} aria-label={`Confirm deleting the ${name}`}>
            Delete now
          </button>
          <button type="button" className="secondary" onClick={() => setConfirming(false)}>
            Cancel
          </button>
        </>
      ) : (
        <button type="button" className="secondary" onClick={() => setConfirming(true)} aria-label={`Delete the ${name}`}>
          Delete
        </button>
      )}
      <ErrorNote error={remove.error} />
    </span>
  );
}

function Rotation({ onRotated }: { onRotated: () => void }) {
  const rotate = useMutation({ mutationFn: () => trpc.byok.rotate.mutate(), onSuccess: onRotated });
  return (
    <section className="panel" aria-labelledby="rotation-title">
      <h2 id="rotation-title">Master key rotation (platform)</h2>
      <p className="muted">Re-wraps every organization's provider keys to the current master key version, so older versions can be retired.</p>
      <button type="button" onClick={() => rotate.mutate()} disabled={rotate.isPending}>
        {rotate.isPending ? 'Re-wrapping…' : 'Re-wrap every key'}
      </button>
      <ErrorNote error={rotate.error} />
      {rotate.data ? (
        <div role="status">
          <p>
            Current version {rotate.data.currentVersion}: {formatCount(rotate.data.rewrapped)} re-wrapped, {formatCount(rotate.data.failed.length)} failed.
          </p>
          <ul>
            {rotate.data.keysByVersion.map((entry) => (
              <li key={entry.masterKeyVersion}>
                version {entry.masterKeyVersion}: {formatCount(entry.count)} keys
              </li>
            ))}
            {rotate.data.failed.map((failure) => (
              <li key={failure.id} className="error">
                key {failure.id} (version {failure.masterKeyVersion}): {failure.reason}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </section>
  );
}
