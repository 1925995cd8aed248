// Bring your own key: the organization's (owners, admins) and members' own provider keys. A key is sent
// once and never shown again: the list has its last four characters and the master key version wrapping
// it. Platform admins also re-wrap every key to the current master key version (rotation) here.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { ConfirmButton } from '../components/confirm-button.tsx';
import { Field, SelectField } from '../components/field.tsx';
import { FormPanel, formFailure } from '../components/form-panel.tsx';
import { Empty, ErrorNote, ListStatus } from '../components/status.tsx';
import { Table } from '../components/table.tsx';
import { formatCount, formatTime } from '../format.ts';
import { trpc, type RouterOutputs } from '../trpc.ts';
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
      <ListStatus query={credentials} count={credentials.data?.length ?? 0} what="provider keys" empty="No provider keys yet." />
      {credentials.data && credentials.data.length > 0 ? (
        <Table
          rows={credentials.data}
          rowKey={(credential) => credential.id}
          columns={[
            { header: 'Provider', rowHeader: true, cell: (credential) => credential.providerSlug },
            {
              header: 'Whose',
              cell: (credential) => (credential.userId === null ? 'the organization' : (emails.get(credential.userId) ?? credential.userId)),
            },
            { header: 'Key', cell: (credential) => <code>…{credential.last4}</code> },
            { header: 'Master key version', cell: (credential) => credential.masterKeyVersion },
            { header: 'Added', cell: (credential) => formatTime(credential.createdAt) },
            { header: 'Actions', cell: (credential) => <DeleteButton credential={credential} onDeleted={refresh} /> },
          ]}
        />
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
  const failure = formFailure(add.error, ['provider', 'key']);
  return (
    <FormPanel
      title="Add a provider key"
      mutation={add}
      failure={failure}
      button={['Add key', 'Adding…']}
      done={add.isSuccess ? `Added …${add.data.last4}` : null}
    >
      <SelectField
        label="Provider"
        required
        value={provider}
        onChange={(event) => setProvider(event.target.value)}
        choices={[{ value: '', label: 'Choose…' }, ...providers]}
        error={failure.blame('provider')}
      />
      <Field
        label="Key"
        type="password"
        autoComplete="off"
        required
        value={key}
        onChange={(event) => setKey(event.target.value)}
        hint="Stored encrypted and never shown again"
        error={failure.blame('key')}
      />
      {forOrg ? (
        <SelectField
          label="For"
          value={whose}
          onChange={(event) => setWhose(event.target.value as 'org' | 'me')}
          choices={[
            { value: 'org', label: 'the whole organization' },
            { value: 'me', label: 'my own requests' },
          ]}
        />
      ) : null}
    </FormPanel>
  );
}

function DeleteButton({ credential, onDeleted }: { credential: Credential; onDeleted: () => void }) {
  const remove = useMutation({ mutationFn: () => trpc.byok.delete.mutate({ id: credential.id }), onSuccess: onDeleted });
  return (
    <ConfirmButton
      action="Delete"
      doing="deleting"
      subject={`the ${credential.providerSlug} key …${credential.last4}`}
      onConfirm={() => remove.mutate()}
      pending={remove.isPending}
      error={remove.error}
    />
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
