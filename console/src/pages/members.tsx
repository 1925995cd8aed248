// Members and invitations of the open organization: invite by email with a role (the one-time link is
// shown with a copy button, and mailed when the control plane has SMTP), see and revoke invitations,
// change a member's role and daily spending limit, remove a member, and (owners) hand a member a
// one-time password link. What a role may not do is not offered; the server decides regardless.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { CopyableSecret } from '../components/copy-link.tsx';
import { ConfirmButton } from '../components/confirm-button.tsx';
import { Field, SelectField } from '../components/field.tsx';
import { FormPanel, formFailure } from '../components/form-panel.tsx';
import { Empty, ErrorNote, ListStatus } from '../components/status.tsx';
import { Table } from '../components/table.tsx';
import { dollarsText, formatMicros, formatTime, parseDollars } from '../format.ts';
import { InputError, trpc, type RouterOutputs } from '../trpc.ts';
import { memberMay, type Membership, type PageProps } from './page-props.ts';

type Member = RouterOutputs['members']['list'][number];
type Invitation = RouterOutputs['members']['invitations'][number];
const roles = ['owner', 'admin', 'member', 'billing'] as const;
type Role = (typeof roles)[number];

/** Only an owner may make an owner. */
function rolesGrantedBy(org: Membership): Role[] {
  return roles.filter((candidate) => candidate !== 'owner' || org.role === 'owner');
}

export function MembersPage({ org, user }: PageProps) {
  const orgId = org?.orgId ?? '';
  const queryClient = useQueryClient();
  const members = useQuery({ queryKey: ['members', orgId], queryFn: () => trpc.members.list.query({ orgId }), enabled: org !== null });
  const invitations = useQuery({ queryKey: ['invitations', orgId], queryFn: () => trpc.members.invitations.query({ orgId }), enabled: org !== null });
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: ['members', orgId] });
    void queryClient.invalidateQueries({ queryKey: ['invitations', orgId] });
  };

  if (!org) return <Empty>You belong to no organization yet.</Empty>;
  const manage = memberMay(org, 'member.manage');
  return (
    <section aria-labelledby="members-title">
      <h1 id="members-title">Members</h1>
      {manage ? <InviteForm org={org} onInvited={refresh} /> : null}
      <h2>People</h2>
      <ListStatus query={members} count={members.data?.length ?? 0} what="members" empty="No members." />
      {members.data && members.data.length > 0 ? (
        <Table
          rows={members.data}
          rowKey={(member) => member.userId}
          columns={[
            { header: 'Email', rowHeader: true, cell: (member) => `${member.email}${member.userId === user.id ? ' (you)' : ''}` },
            { header: 'Role', cell: (member) => <RoleCell org={org} member={member} onChanged={refresh} /> },
            { header: 'Daily limit', cell: (member) => <DailyLimitCell org={org} member={member} onChanged={refresh} /> },
            { header: 'Member since', cell: (member) => formatTime(member.createdAt) },
            manage && {
              header: 'Actions',
              cell: (member) => <MemberActions org={org} member={member} isSelf={member.userId === user.id} onChanged={refresh} />,
            },
          ]}
        />
      ) : null}
      <h2>Invitations</h2>
      <ListStatus query={invitations} count={invitations.data?.length ?? 0} what="invitations" empty="No invitations yet." />
      {invitations.data && invitations.data.length > 0 ? (
        <Table
          rows={invitations.data}
          rowKey={(invitation) => invitation.id}
          columns={[
            { header: 'Email', rowHeader: true, cell: (invitation) => invitation.email },
            { header: 'Role', cell: (invitation) => invitation.role },
            { header: 'Sent', cell: (invitation) => formatTime(invitation.createdAt) },
            { header: 'State', cell: invitationState },
            manage && {
              header: 'Actions',
              cell: (invitation) =>
                invitationState(invitation).startsWith('pending') ? <RevokeInvitation invitation={invitation} onRevoked={refresh} /> : null,
            },
          ]}
        />
      ) : null}
    </section>
  );
}

function InviteForm({ org, onInvited }: { org: Membership; onInvited: () => void }) {
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('member');
  const invite = useMutation({
    mutationFn: () => trpc.members.invite.mutate({ orgId: org.orgId, email, role }),
    onSuccess: () => {
      setEmail('');
      onInvited();
    },
  });
  const failure = formFailure(invite.error, ['email']);
  return (
    <FormPanel
      title="Invite someone"
      mutation={invite}
      failure={failure}
      button={['Invite', 'Inviting…']}
      after={
        invite.data ? (
          <div className="notice-inline" role="region" aria-label="Invitation link">
            <p>
              {invite.data.emailed ? 'Mailed to' : 'Send this link to'} {invite.data.invitation.email}; it works once, until{' '}
              {formatTime(invite.data.invitation.expiresAt)}:
            </p>
            <CopyableSecret value={invite.data.link} testId="invitation-link" />
          </div>
        ) : null
      }
    >
      <Field label="Email" type="email" required value={email} onChange={(event) => setEmail(event.target.value)} error={failure.blame('email')} />
      <SelectField label="Role" value={role} onChange={(event) => setRole(event.target.value as Role)} choices={rolesGrantedBy(org)} />
    </FormPanel>
  );
}

function RoleCell({ org, member, onChanged }: { org: Membership; member: Member; onChanged: () => void }) {
  const setRole = useMutation({
    mutationFn: (role: Role) => trpc.members.setRole.mutate({ orgId: org.orgId, userId: member.userId, role }),
    onSuccess: onChanged,
  });
  if (!memberMay(org, 'member.manage') || (member.role === 'owner' && org.role !== 'owner')) return member.role;
  return (
    <>
      <select
        aria-label={`Role of ${member.email}`}
        value={member.role}
        onChange={(event) => setRole.mutate(event.target.value as Role)}
        disabled={setRole.isPending}
      >
        {rolesGrantedBy(org).map((candidate) => (
          <option key={candidate} value={candidate}>
            {candidate}
          </option>
        ))}
      </select>
      <ErrorNote error={setRole.error} />
    </>
  );
}

function DailyLimitCell({ org, member, onChanged }: { org: Membership; member: Member; onChanged: () => void }) {
  const [limit, setLimit] = useState(dollarsText(member.dailyLimitMicros));
  const saveLimit = useMutation({
    mutationFn: () => {
      const micros = parseDollars(limit);
      if (Number.isNaN(micros))
        throw new InputError('dailyLimitMicros', 'write the limit in dollars, e.g. 12.50, or leave it empty for the organization default');
      return trpc.members.setDailyLimit.mutate({ orgId: org.orgId, userId: member.userId, dailyLimitMicros: micros });
    },
    onSuccess: onChanged,
  });
  if (!memberMay(org, 'policy.update')) return member.dailyLimitMicros === null ? 'organization default' : formatMicros(member.dailyLimitMicros);
  return (
    <form
      className="inline-form"
      onSubmit={(event) => {
        event.preventDefault();
        saveLimit.mutate();
      }}
    >
      <input
        aria-label={`Daily limit of ${member.email} in dollars`}
        placeholder="org default"
        inputMode="decimal"
        size={10}
        value={limit}
        onChange={(event) => setLimit(event.target.value)}
      />
      <button type="submit" className="secondary" disabled={saveLimit.isPending} aria-label={`Save the daily limit of ${member.email}`}>
        Save
      </button>
      <ErrorNote error={saveLimit.error} />
    </form>
  );
}

function MemberActions({ org, member, isSelf, onChanged }: { org: Membership; member: Member; isSelf: boolean; onChanged: () => void }) {
  const remove = useMutation({ mutationFn: () => trpc.members.remove.mutate({ orgId: org.orgId, userId: member.userId }), onSuccess: onChanged });
  const passwordLink = useMutation({ mutationFn: () => trpc.members.issuePasswordReset.mutate({ orgId: org.orgId, userId: member.userId }) });
  return (
    <>
      {memberMay(org, 'member.resetPassword') && !isSelf ? (
        <button type="button" className="secondary" onClick={() => passwordLink.mutate()} disabled={passwordLink.isPending}>
          Password link
        </button>
      ) : null}
      <ConfirmButton
        action="Remove"
        doing="removing"
        subject={member.email}
        onConfirm={() => remove.mutate()}
        pending={remove.isPending}
        error={remove.error}
      />
      <ErrorNote error={passwordLink.error} />
      {passwordLink.data ? <CopyableSecret value={passwordLink.data.link} /> : null}
    </>
  );
}

function invitationState(invitation: Invitation): string {
  if (invitation.acceptedAt) return `accepted ${formatTime(invitation.acceptedAt)}`;
  if (invitation.revokedAt) return `revoked ${formatTime(invitation.revokedAt)}`;
  if (new Date(invitation.expiresAt).getTime() < Date.now()) return 'expired';
  return `pending until ${formatTime(invitation.expiresAt)}`;
}

function RevokeInvitation({ invitation, onRevoked }: { invitation: Invitation; onRevoked: () => void }) {
  const revoke = useMutation({ mutationFn: () => trpc.members.revokeInvitation.mutate({ id: invitation.id }), onSuccess: onRevoked });
  return (
    <>
      <button
        type="button"
        className="secondary"
        onClick={() => revoke.mutate()}
        disabled={revoke.isPending}
        aria-label={`Revoke the invitation of ${invitation.email}`}
      >
        Revoke
      </button>
      <ErrorNote error={revoke.error} />
    </>
  );
}
