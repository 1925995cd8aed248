// Invitations and one-time password links: the inviter's and issuer's side needs a user; the invitee's
// side (describe, accept, reset) needs only the link's token.
import {
  acceptInvitation,
  describeInvitation,
  inviteMember,
  listInvitations,
  revokeInvitation,
  type InvitationView,
} from '../../services/identity/invitations.ts';
import { issueMemberPasswordReset, issuePasswordReset, requestPasswordResetEmail, resetPassword } from '../../services/identity/password-resets.ts';
import { consumeSignInAttempt } from '../../services/identity/sign-in.ts';
import { builder } from '../builder.ts';
import { actorField } from '../actor-field.ts';
import { MembershipRoleEnum } from './member.ts';

const InvitationType = builder.objectRef<InvitationView>('Invitation').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    orgId: t.exposeID('orgId'),
    email: t.exposeString('email'),
    role: t.field({ type: MembershipRoleEnum, resolve: (invitation) => invitation.role }),
    invitedBy: t.exposeString('invitedBy'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
    acceptedAt: t.expose('acceptedAt', { type: 'DateTime', nullable: true }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true }),
  }),
});

const SentInvitationType = builder.objectRef<{ invitation: InvitationView; link: string; emailed: boolean }>('SentInvitation').implement({
  description: 'The one-time link is for the inviter to pass on (it is also mailed when SMTP is set up).',
  fields: (t) => ({
    invitation: t.field({ type: InvitationType, resolve: (parent) => parent.invitation }),
    link: t.exposeString('link'),
    emailed: t.exposeBoolean('emailed'),
  }),
});

const InvitationPreviewType = builder.objectRef<Awaited<ReturnType<typeof describeInvitation>>>('InvitationPreview').implement({
  fields: (t) => ({
    orgName: t.exposeString('orgName'),
    role: t.field({ type: MembershipRoleEnum, resolve: (preview) => preview.role }),
    email: t.exposeString('email'),
    hasAccount: t.exposeBoolean('hasAccount', { description: 'Accepting asks for the existing password (true) or a new one (false).' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
  }),
});

const AcceptedInvitationType = builder.objectRef<Awaited<ReturnType<typeof acceptInvitation>>>('AcceptedInvitation').implement({
  fields: (t) => ({
    userId: t.exposeID('userId'),
    email: t.exposeString('email'),
    orgId: t.exposeID('orgId'),
    orgName: t.exposeString('orgName'),
    role: t.field({ type: MembershipRoleEnum, resolve: (accepted) => accepted.role }),
    accountCreated: t.exposeBoolean('accountCreated'),
  }),
});

const PasswordLinkType = builder.objectRef<{ link: string; expiresAt: Date }>('PasswordLink').implement({
  description: 'A one-time link that sets a password; pass it on to its user.',
  fields: (t) => ({ link: t.exposeString('link'), expiresAt: t.expose('expiresAt', { type: 'DateTime' }) }),
});

const PasswordResetType = builder.objectRef<{ email: string; sessionsEnded: number }>('PasswordReset').implement({
  fields: (t) => ({ email: t.exposeString('email'), sessionsEnded: t.expose('sessionsEnded', { type: 'Count' }) }),
});

actorField('mutation', 'inviteMember', {
  type: SentInvitationType,
  description: 'Invites an email to the org; the answer is the same whether or not the email has an account.',
  args: builder.args((t) => ({
    orgId: t.id({ required: true }),
    email: t.string({ required: true }),
    role: t.field({ type: MembershipRoleEnum, required: true }),
  })),
  call: (actor, input, context) => inviteMember(actor, context.identity, input),
});

actorField('query', 'invitations', {
  type: [InvitationType],
  args: builder.args((t) => ({ orgId: t.id({ required: true }) })),
  call: listInvitations,
});

actorField('mutation', 'revokeInvitation', {
  type: InvitationType,
  args: builder.args((t) => ({ id: t.id({ required: true }) })),
  call: revokeInvitation,
});

actorField('mutation', 'issueMemberPasswordReset', {
  type: PasswordLinkType,
  description: "An owner's one-time password link for a member who belongs to no org the owner does not own.",
  args: builder.args((t) => ({ orgId: t.id({ required: true }), userId: t.id({ required: true }) })),
  call: (actor, input, context) => issueMemberPasswordReset(actor, context.identity, input),
});

actorField('mutation', 'issuePasswordReset', {
  type: PasswordLinkType,
  description: "A platform admin's one-time password link for any user.",
  args: builder.args((t) => ({ userId: t.id({ required: true }) })),
  call: (actor, input, context) => issuePasswordReset(actor, context.identity, input),
});

builder.queryField('invitation', (t) =>
  t.field({
    type: InvitationPreviewType,
    description: 'What an invitation link offers (no credential needed but its token).',
    args: { token: t.arg.string({ required: true }) },
    resolve: (_root, args, context) => describeInvitation(context, args.token),
  }),
);

builder.mutationField('acceptInvitation', (t) =>
  t.field({
    type: AcceptedInvitationType,
    description: "Spends an invitation link: the existing account's password, or the new account's.",
    args: { token: t.arg.string({ required: true }), password: t.arg.string({ required: true }), name: t.arg.string() },
    resolve: async (_root, args, context) => {
      await consumeSignInAttempt(context.identity.signInRateLimit, context.client);
      return acceptInvitation({ prisma: context.prisma, snapshotChanged: (cause) => context.publisher.changed(cause) }, args);
    },
  }),
);

builder.mutationField('requestPasswordReset', (t) =>
  t.field({
    type: 'String',
    description: 'Mails a one-time password link when SMTP is set up; the same answer whether or not the email has an account.',
    args: { email: t.arg.string({ required: true }) },
    resolve: async (_root, args, context) => {
      await consumeSignInAttempt(context.identity.signInRateLimit, context.client);
      await requestPasswordResetEmail(context.prisma, context.identity, args);
      return 'if this email has an account, a link is on its way';
    },
  }),
);

builder.mutationField('resetPassword', (t) =>
  t.field({
    type: PasswordResetType,
    description: 'Spends a password link; ends every session of the user.',
    args: { token: t.arg.string({ required: true }), password: t.arg.string({ required: true }) },
    resolve: (_root, args, context) => resetPassword(context.prisma, args),
  }),
);
