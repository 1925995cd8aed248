// Members and invitations of the open organization: invite by email with a role (the one-time link is
// shown with a copy button, and mailed when the control plane has SMTP), see and revoke invitations,
// change a member's role and daily spending limit, remove a member, and (owners) hand a member a
// one-time password link. What a role may not do is not offered; the server decides regardless.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { CopyableSecret } from '../components/copy-link.tsx';
import { Field } from '../components/field.tsx';
import { Empty, ErrorNote, Loading } from '../components/status.tsx';
import { dollarsText, formatMicros, formatTime, parseDollars } from '../format.ts';
import { describeError, trpc, type RouterOutputs } from '../trpc.ts';
import { memberMay, type Membership, type PageProps } from './page-props.ts';

type Member = RouterOutputs['members']['list'][number];
type Invitation = RouterOutputs['members']['invitations'][number];
const roles = ['owner', 'admin', 'member', 'billing'] as const;

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
      {members.isPending ? <Loading what="members" /> : null}
      <ErrorNote error={members.error} />
      {members.data ? (
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                <th scope="col">Daily limit</th>
                <th scope="col">Member since</th>
                {manage ? <th scope="col">Actions</th> : null}
              </tr>
            </thead>
            <tbody>
              {members.data.map((member) => (
                <MemberRow key={member.userId} org={org} member={member} isSelf={member.userId === user.id} onChanged={refresh} />
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <h2>Invitations</h2>
      {invitations.isPending ? <Loading what="invitations" /> : null}
      <ErrorNote error={invitations.error} />
      {invitations.data && invitations.data.length === 0 ? <Empty>No invitations yet.</Empty> : null}
      {invitations.data && invitations.data.length > 0 ? <InvitationTable invitations={invitations.data} manage={manage} onChanged={refresh} /> : null}
    </section>
  );
}

function InviteForm({ org, onInvited }: { org: Membership; onInvited: () => void }) {
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<(typeof roles)[number]>('member');
  const invite = useMutation({
    mutationFn: () => trpc.members.invite.mutate({ orgId: org.orgId, email, role }),
    onSuccess: () => {
      setEmail('');
      onInvited();
    },
  });
  const failure = invite.error ? describeError(invite.error) : null;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    invite.mutate();
  };
  return (
    <form className="panel" onSubmit={submit} aria-labelledby="invite-title">
      <h2 id="invite-title">Invite someone</h2>
      <div className="grid-fields">
        <Field
          label="Email"
          type="email"
          required
          value={email}
          onChange={(event) => setEmail(event.target.value)}
          error={failure?.param === 'email' ? failure.message : null}
        />
        <div className="field">
          <label htmlFor="invite-role">Role</label>
          <select id="invite-role" value={role} onChange={(event) => setRole(event.target.value as (typeof roles)[number])}>
            {/* Only an owner may make an owner. */}
            {roles
              .filter((candidate) => candidate !== 'owner' || org.role === 'owner')
              .map((candidate) => (
                <option key={candidate} value={candidate}>
                  {candidate}
                </option>
              ))}
          </select>
        </div>
      </div>
      {failure && failure.param !== 'email' ? (
        <p className="error" role="alert">
          {failure.message}
        </p>
      ) : null}
      <button type="submit" disabled={invite.isPending}>
        {invite.isPending ? 'Inviting…' : 'Invite'}
      </button>
      {invite.data ? (
        <div className="notice-inline" role="region" aria-label="Invitation link">
          <p>
            {invite.data.emailed ? 'Mailed to' : 'Send this link to'} {invite.data.invitation.email}; it works once, until{' '}
            {formatTime(invite.data.invitation.expiresAt)}:
          </p>
          <CopyableSecret value={invite.data.link} testId="invitation-link" />
        </div>
      ) : null}
    </form>
  );
}

function MemberRow({ org, member, isSelf, onChanged }: { org: Membership; member: Member; isSelf: boolean; onChanged: () => void }) {
  const manage = memberMay(org, 'member.manage');
  const setLimits = memberMay(org, 'policy.update');
  const [limit, setLimit] = useState(dollarsText(member.dailyLimitMicros));
  const [confirmRemove, setConfirmRemove] = useState(false);
  const setRole = useMutation({
    mutationFn: (role: (typeof roles)[number]) => trpc.members.setRole.mutate({ orgId: org.orgId, userId: member.userId, role }),
    onSuccess: onChanged,
  });
  const saveLimit = useMutation({
    mutationFn: () => {
      const micros = parseDollars(limit);
      if (Number.isNaN(micros)) throw new Error('write the limit in dollars, e.g. 12.50, or leave it empty for the organization default');
      return trpc.members.setDailyLimit.mutate({ orgId: org.orgId, userId: member.userId, dailyLimitMicros: micros });
    },
    onSuccess: onChanged,
  });
  const remove = useMutation({ mutationFn: () => trpc.members.remove.mutate({ orgId: org.orgId, userId: member.userId }), onSuccess: onChanged });
  const passwordLink = useMutation({ mutationFn: () => trpc.members.issuePasswordReset.mutate({ orgId: org.orgId, userId: member.userId }) });
  const mayGrantOwner = org.role === 'owner';
  return (
    <tr>
      <th scope="row">
        {member.email}
        {isSelf ? ' (you)' : ''}
      </th>
      <td>
        {manage && (member.role !== 'owner' || mayGrantOwner) ? (
          <>
            <select
              aria-label={`Role of ${member.email}`}
              value={member.role}
              onChange={(event) => setRole.mutate(event.target.value as (typeof roles)[number])}
              disabled={setRole.isPending}
            >
              {roles
                .filter((candidate) => candidate !== 'owner' || mayGrantOwner)
                .map((candidate) => (
                  <option key={candidate} value={candidate}>
                    {candidate}
                  </option>
                ))}
            </select>
            <ErrorNote error={setRole.error} />
          </>
        ) : (
          member.role
        )}
      </td>
      <td>
        {setLimits ? (
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
            <button type="submit" className="secondary" disabled={saveLimit.isPending}>
              Save
            </button>
            <ErrorNote error={saveLimit.error} />
          </form>
        ) : member.dailyLimitMicros === null ? (
          'organization default'
        ) : (
          formatMicros(member.dailyLimitMicros)
        )}
      </td>
      <td>{formatTime(member.createdAt)}</td>
      {manage ? (
        <td>
          <span className="confirm">
            {memberMay(org, 'member.resetPassword') && !isSelf ? (
              <button type="button" className="secondary" onClick={() => passwordLink.mutate()} disabled={passwordLink.isPending}>
                Password link
              </button>
            ) : null}
            {!confirmRemove ? (
              <button type="button" className="secondary" onClick={() => setConfirmRemove(true)} aria-label={`Remove ${member.email}`}>
                Remove
              </button>
            ) : (
              <>
                <button type="button" className="danger" onClick={() => remove.mutate()} aria-label={`Confirm removing ${member.email}`}>
                  Remove now
                </button>
                <button type="button" className="secondary" onClick={() => setConfirmRemove(false)}>
                  Cancel
                </button>
              </>
            )}
          </span>
          <ErrorNote error={remove.error ?? passwordLink.error} />
          {passwordLink.data ? <CopyableSecret value={passwordLink.data.link} /> : null}
        </td>
      ) : null}
    </tr>
  );
}

function invitationState(invitation: Invitation): string {
  if (invitation.acceptedAt) return `accepted ${formatTime(invitation.acceptedAt)}`;
  if (invitation.revokedAt) return `revoked ${formatTime(invitation.revokedAt)}`;
  if (new Date(invitation.expiresAt).getTime() < Date.now()) return 'expired';
  return `pending until ${formatTime(invitation.expiresAt)}`;
}

function InvitationTable({ invitations, manage, onChanged }: { invitations: Invitation[]; manage: boolean; onChanged: () => void }) {
  return (
    <div className="table-scroll">
      <table>
        <thead>
          <tr>
            <th scope="col">Email</th>
            <th scope="col">Role</th>
            <th scope="col">Sent</th>
            <th scope="col">State</th>
            {manage ? <th scope="col">Actions</th> : null}
          </tr>
        </thead>
        <tbody>
          {invitations.map((invitation) => (
            <tr key={invitation.id}>
              <th scope="row">{invitation.email}</th>
              <td>{invitation.role}</td>
              <td>{formatTime(invitation.createdAt)}</td>
              <td>{invitationState(invitation)}</td>
              {manage ? (
                <td>{invitationState(invitation).startsWith('pending') ? <RevokeInvitation invitation={invitation} onRevoked={onChanged} /> : null}</td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
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
