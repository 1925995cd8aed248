// Invitations replace adding a platform user by email (which joined people without their consent and told
// the inviter whether the email had an account). An owner or admin invites an email with a role; the
// answer is the same whoever the email belongs to. The invitee opens the one-time link and either signs in
// with their existing password or chooses one for a new account; either way they join the org. A link
// works once, for INVITATION_LIFETIME_MS, until revoked.
import { z } from 'zod';
import { hashSecret } from '../../../../shared/src/crypto.ts';
import { GatewayError } from '../../../../shared/src/errors.ts';
import type { Invitation, MembershipRole } from '../../../generated/prisma/client.ts';
import { recordAudit } from '../audit.ts';
import { parseInput } from '../input-schemas.ts';
import { authorizeOrgAction } from '../org-access.ts';
import { membershipRoles } from '../permissions.ts';
import { describeActor, type ServiceContext } from '../service-context.ts';
import { clearLoginFailures, normalizeEmail } from './login-throttle.ts';
import type { Mailer } from './mailer.ts';
import { generateLinkToken, linkFor } from './one-time-links.ts';
import { hashPassword, passwordSchema, verifyPassword } from './passwords.ts';

export const INVITATION_LIFETIME_MS = 7 * 24 * 60 * 60_000;

export const inviteMemberInputSchema = z.object({ orgId: z.string(), email: z.email().max(320), role: z.enum(membershipRoles) });
export const acceptInvitationInputSchema = z.object({
  token: z.string().min(1).max(200),
  /** The account's password, or the one to set for a new account (or one without a password yet). */
  password: z.string().min(1).max(1024),
  name: z.string().trim().min(1).max(200).nullish(),
});

/** Where links point and how they are mailed; from the app's settings. */
export interface LinkDelivery {
  publicUrl: string;
  mailer: Mailer | null;
}

export interface InvitationView {
  id: string;
  orgId: string;
  email: string;
  role: MembershipRole;
  invitedBy: string;
  createdAt: Date;
  expiresAt: Date;
  acceptedAt: Date | null;
  revokedAt: Date | null;
}

export function toInvitationView(row: Invitation): InvitationView {
  const { tokenHash: _tokenHash, acceptedBy: _acceptedBy, ...view } = row;
  return view;
}

const INVALID_LINK = 'this invitation link is invalid, already used, revoked or expired';

export async function inviteMember(
  context: ServiceContext,
  delivery: LinkDelivery,
  rawInput: z.input<typeof inviteMemberInputSchema>,
): Promise<{ invitation: InvitationView; link: string; emailed: boolean }> {
  const input = parseInput(inviteMemberInputSchema, rawInput, 'input');
  const caller = await authorizeOrgAction(context, input.orgId, 'member.manage');
  if (input.role === 'owner' && caller !== null && caller.role !== 'owner') throw new GatewayError('forbidden', 'only an owner may grant the owner role');
  const email = normalizeEmail(input.email);
  const token = generateLinkToken();
  const { invitation, orgName } = await context.prisma.$transaction(async (transaction) => {
    // Only this org's own members are checked, which the inviter may list anyway: nothing about the rest of the platform.
    const member = await transaction.membership.findFirst({ where: { orgId: input.orgId, user: { email: { equals: email, mode: 'insensitive' } } } });
    if (member) throw new GatewayError('invalid_request', `${email} is already a member of this organization`, { param: 'email' });
    const org = await transaction.organization.findUniqueOrThrow({ where: { id: input.orgId } });
    const row = await transaction.invitation.create({
      data: {
        orgId: input.orgId,
        email,
        role: input.role,
        tokenHash: hashSecret(token),
        invitedBy: describeActor(context.actor),
        expiresAt: new Date(Date.now() + INVITATION_LIFETIME_MS),
      },
    });
    await recordAudit(transaction, context.actor, {
      action: 'invitation.create',
      target: `invitation:${row.id}`,
      orgId: input.orgId,
      details: { email, role: input.role },
    });
    return { invitation: row, orgName: org.name };
  });
  const link = linkFor(delivery.publicUrl, '/auth/invitation', token);
  if (delivery.mailer) {
    await delivery.mailer.send({
      to: email,
      subject: `You are invited to ${orgName}`,
      text: `You are invited to join ${orgName} on the AI gateway as ${input.role}.\n\nOpen this link to accept (it works once, until ${invitation.expiresAt.toISOString()}):\n${link}\n`,
    });
  }
  return { invitation: toInvitationView(invitation), link, emailed: delivery.mailer !== null };
}

export async function listInvitations(context: ServiceContext, input: { orgId: string }): Promise<InvitationView[]> {
  await authorizeOrgAction(context, input.orgId, 'member.read');
  const rows = await context.prisma.invitation.findMany({ where: { orgId: input.orgId }, orderBy: [{ createdAt: 'desc' }, { id: 'asc' }], take: 200 });
  return rows.map(toInvitationView);
}

export async function revokeInvitation(context: ServiceContext, input: { id: string }): Promise<InvitationView> {
  const existing = await context.prisma.invitation.findUnique({ where: { id: input.id } });
  if (!existing) throw new GatewayError('not_found', `invitation ${input.id} not found`, { param: 'id' });
  await authorizeOrgAction(context, existing.orgId, 'member.manage');
  return context.prisma.$transaction(async (transaction) => {
    const row =
      existing.revokedAt || existing.acceptedAt ? existing : await transaction.invitation.update({ where: { id: input.id }, data: { revokedAt: new Date() } });
    await recordAudit(transaction, context.actor, { action: 'invitation.revoke', target: `invitation:${row.id}`, orgId: row.orgId });
    return toInvitationView(row);
  });
}

async function liveInvitation(context: Pick<ServiceContext, 'prisma'>, token: string): Promise<Invitation & { org: { name: string } }> {
  const row = await context.prisma.invitation.findUnique({ where: { tokenHash: hashSecret(token) }, include: { org: { select: { name: true } } } });
  if (!row || row.acceptedAt || row.revokedAt || row.expiresAt <= new Date()) throw new GatewayError('invalid_credentials', INVALID_LINK);
  return row;
}

/** What the invitation page shows before accepting: the org, the role, and whether to ask for an existing password or a new one. */
export async function describeInvitation(
  context: Pick<ServiceContext, 'prisma'>,
  token: string,
): Promise<{ orgName: string; role: MembershipRole; email: string; hasAccount: boolean; expiresAt: Date }> {
  const invitation = await liveInvitation(context, token);
  // Told only to whoever holds the link, i.e. whoever reads that email's mail.
  const user = await context.prisma.user.findFirst({ where: { email: { equals: invitation.email, mode: 'insensitive' } } });
  return {
    orgName: invitation.org.name,
    role: invitation.role,
    email: invitation.email,
    hasAccount: user?.passwordHash != null,
    expiresAt: invitation.expiresAt,
  };
}

/**
 * Spends the link: an existing account with a password must give it (the link alone proves the mailbox,
 * not the account); otherwise the password given becomes the account's. Then joins the org.
 */
export async function acceptInvitation(
  context: Pick<ServiceContext, 'prisma' | 'snapshotChanged'>,
  rawInput: z.input<typeof acceptInvitationInputSchema>,
): Promise<{ userId: string; email: string; orgId: string; orgName: string; role: MembershipRole; accountCreated: boolean }> {
  const input = parseInput(acceptInvitationInputSchema, rawInput, 'input');
  const invitation = await liveInvitation(context, input.token);
  const existing = await context.prisma.user.findFirst({ where: { email: { equals: invitation.email, mode: 'insensitive' } } });
  if (existing?.passwordHash) {
    if (!(await verifyPassword(existing.passwordHash, input.password)))
      throw new GatewayError('invalid_credentials', 'the password is wrong', { param: 'password' });
  } else {
    parseInput(passwordSchema, input.password, 'password');
  }
  const newHash = existing?.passwordHash ? null : await hashPassword(input.password);
  const result = await context.prisma.$transaction(async (transaction) => {
    // Spent here, guarded by its state, so of two racing accepts exactly one gets past this line.
    const spent = await transaction.invitation.updateMany({
      where: { id: invitation.id, acceptedAt: null, revokedAt: null, expiresAt: { gt: new Date() } },
      data: { acceptedAt: new Date() },
    });
    if (spent.count !== 1) throw new GatewayError('invalid_credentials', INVALID_LINK);
    const user = existing
      ? newHash
        ? await transaction.user.update({ where: { id: existing.id }, data: { passwordHash: newHash } })
        : existing
      : await transaction.user.create({ data: { email: invitation.email, name: input.name ?? null, passwordHash: newHash } });
    await transaction.invitation.update({ where: { id: invitation.id }, data: { acceptedBy: user.id } });
    const member = await transaction.membership.findUnique({ where: { orgId_userId: { orgId: invitation.orgId, userId: user.id } } });
    if (!member) await transaction.membership.create({ data: { orgId: invitation.orgId, userId: user.id, role: invitation.role } });
    const actor = {
      kind: 'user',
      userId: user.id,
      isPlatformAdmin: user.isPlatformAdmin,
      credential: { kind: 'one-time-link', linkId: invitation.id },
    } as const;
    await recordAudit(transaction, actor, {
      action: 'invitation.accept',
      target: `invitation:${invitation.id}`,
      orgId: invitation.orgId,
      details: { userId: user.id, role: invitation.role, accountCreated: !existing, alreadyMember: member !== null },
    });
    return {
      userId: user.id,
      email: user.email,
      orgId: invitation.orgId,
      orgName: invitation.org.name,
      role: member?.role ?? invitation.role,
      accountCreated: !existing,
    };
  });
  await clearLoginFailures(context.prisma, invitation.email);
  context.snapshotChanged({ orgs: [result.orgId] });
  return result;
}
