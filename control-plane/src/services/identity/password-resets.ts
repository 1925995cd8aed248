// Password reset through a one-time link, issued three ways: by a platform admin for any user, by an org
// owner for a member (see 'member.resetPassword' in permissions.ts), or by email to the address itself
// when SMTP is configured. The link sets a new password once, ends every session of the user and clears
// the sign-in lockout. Issuing a new link voids the user's older unused ones. The first start issues one
// for the seeded admin, who has no password (firstStartPasswordLink).
import { z } from 'zod';
import { hashSecret } from '../../../../shared/src/crypto.ts';
import { GatewayError } from '../../../../shared/src/errors.ts';
import type { Prisma, PrismaClient } from '../../../generated/prisma/client.ts';
import { recordAudit } from '../audit.ts';
import { parseInput } from '../input-schemas.ts';
import { authorizeOrgAction, authorizePlatformAction } from '../org-access.ts';
import { describeActor, type Actor, type ServiceContext } from '../service-context.ts';
import type { LinkDelivery } from './invitations.ts';
import { clearLoginFailures, normalizeEmail } from './login-throttle.ts';
import { generateLinkToken, linkFor } from './one-time-links.ts';
import { hashPassword, passwordSchema } from './passwords.ts';
import { endAllSessions } from './sessions.ts';

/** Handed over by a person (owner, admin, the start-up log): a day to get to it. */
export const ISSUED_LINK_LIFETIME_MS = 24 * 60 * 60_000;
/** Mailed on request: short, since anyone may ask for one to be sent. */
export const EMAILED_LINK_LIFETIME_MS = 60 * 60_000;

export const resetPasswordInputSchema = z.object({ token: z.string().min(1).max(200), password: passwordSchema });

const INVALID_LINK = 'this password link is invalid, already used or expired';

async function createLink(
  transaction: Prisma.TransactionClient,
  actor: Actor,
  userId: string,
  lifetimeMs: number,
): Promise<{ token: string; expiresAt: Date }> {
  const now = new Date();
  await transaction.passwordReset.updateMany({ where: { userId, usedAt: null, expiresAt: { gt: now } }, data: { expiresAt: now } });
  const token = generateLinkToken();
  const row = await transaction.passwordReset.create({
    data: { userId, tokenHash: hashSecret(token), issuedBy: describeActor(actor), expiresAt: new Date(now.getTime() + lifetimeMs) },
  });
  await recordAudit(transaction, actor, { action: 'password-reset.issue', target: `user:${userId}`, details: { passwordResetId: row.id } });
  return { token, expiresAt: row.expiresAt };
}

/** Platform admins, for any user. */
export async function issuePasswordReset(
  context: ServiceContext,
  delivery: LinkDelivery,
  input: { userId: string },
): Promise<{ link: string; expiresAt: Date }> {
  authorizePlatformAction(context, 'user.resetPassword');
  const user = await context.prisma.user.findUnique({ where: { id: input.userId } });
  if (!user) throw new GatewayError('not_found', `user ${input.userId} not found`, { param: 'userId' });
  const { token, expiresAt } = await context.prisma.$transaction((transaction) => createLink(transaction, context.actor, user.id, ISSUED_LINK_LIFETIME_MS));
  return { link: linkFor(delivery.publicUrl, '/auth/reset-password', token), expiresAt };
}

/**
 * Org owners, for a member of their org. An owner of one org must not be able to take over someone's
 * standing elsewhere, so the member may belong to no org the caller does not own, and may not be a
 * platform admin; a platform admin issues those.
 */
export async function issueMemberPasswordReset(
  context: ServiceContext,
  delivery: LinkDelivery,
  input: { orgId: string; userId: string },
): Promise<{ link: string; expiresAt: Date }> {
  await authorizeOrgAction(context, input.orgId, 'member.resetPassword');
  const target = await context.prisma.user.findUnique({ where: { id: input.userId }, include: { memberships: true } });
  if (!target || !target.memberships.some((membership) => membership.orgId === input.orgId)) {
    throw new GatewayError('not_found', `user ${input.userId} is not a member`, { param: 'userId' });
  }
  if (context.actor.kind === 'user') {
    const callerId = context.actor.userId;
    const owned = new Set(
      (await context.prisma.membership.findMany({ where: { userId: callerId, role: 'owner' }, select: { orgId: true } })).map((membership) => membership.orgId),
    );
    if (target.isPlatformAdmin || target.memberships.some((membership) => !owned.has(membership.orgId))) {
      throw new GatewayError('forbidden', 'this member also belongs elsewhere (or is a platform admin): ask a platform admin for their password link');
    }
  }
  const { token, expiresAt } = await context.prisma.$transaction((transaction) => createLink(transaction, context.actor, target.id, ISSUED_LINK_LIFETIME_MS));
  return { link: linkFor(delivery.publicUrl, '/auth/reset-password', token), expiresAt };
}

/**
 * Anyone may ask for a link to be mailed to an address. The answer is the same whether or not the address
 * has an account (and nothing is sent when it has none), so it tells nobody which emails exist.
 */
export async function requestPasswordResetEmail(prisma: PrismaClient, delivery: LinkDelivery, input: { email: string }): Promise<void> {
  if (!delivery.mailer)
    throw new GatewayError('invalid_request', 'password reset by email is not set up here (no SMTP_URL); ask an org owner or a platform admin for a link');
  const email = normalizeEmail(parseInput(z.email().max(320), input.email, 'email'));
  const user = await prisma.user.findFirst({ where: { email: { equals: email, mode: 'insensitive' } } });
  if (!user) return;
  const { token, expiresAt } = await prisma.$transaction((transaction) =>
    createLink(transaction, { kind: 'system', name: 'password-reset-email' }, user.id, EMAILED_LINK_LIFETIME_MS),
  );
  await delivery.mailer.send({
    to: user.email,
    subject: 'Set your AI gateway password',
    text: `Someone (hopefully you) asked to set a new password for ${user.email}.\n\nOpen this link to choose one (it works once, until ${expiresAt.toISOString()}):\n${linkFor(delivery.publicUrl, '/auth/reset-password', token)}\n\nIf it was not you, ignore this mail; your password stays as it is.\n`,
  });
}

/** Spends the link: sets the password, ends every session, clears the lockout. */
export async function resetPassword(
  prisma: PrismaClient,
  rawInput: z.input<typeof resetPasswordInputSchema>,
): Promise<{ email: string; sessionsEnded: number }> {
  const input = parseInput(resetPasswordInputSchema, rawInput, 'input');
  const row = await prisma.passwordReset.findUnique({ where: { tokenHash: hashSecret(input.token) }, include: { user: true } });
  if (!row || row.usedAt || row.expiresAt <= new Date()) throw new GatewayError('invalid_credentials', INVALID_LINK);
  const passwordHash = await hashPassword(input.password);
  const sessionsEnded = await prisma.$transaction(async (transaction) => {
    // Spent here, guarded by its state, so of two racing uses exactly one gets past this line.
    const spent = await transaction.passwordReset.updateMany({
      where: { id: row.id, usedAt: null, expiresAt: { gt: new Date() } },
      data: { usedAt: new Date() },
    });
    if (spent.count !== 1) throw new GatewayError('invalid_credentials', INVALID_LINK);
    await transaction.user.update({ where: { id: row.userId }, data: { passwordHash } });
    const ended = await endAllSessions(transaction, row.userId);
    const actor = {
      kind: 'user',
      userId: row.userId,
      isPlatformAdmin: row.user.isPlatformAdmin,
      credential: { kind: 'one-time-link', linkId: row.id },
    } as const;
    await recordAudit(transaction, actor, {
      action: 'password-reset.use',
      target: `user:${row.userId}`,
      details: { passwordResetId: row.id, sessionsEnded: ended },
    });
    return ended;
  });
  await clearLoginFailures(prisma, row.user.email);
  return { email: row.user.email, sessionsEnded };
}

/**
 * The first start's way in for the seeded admin: while that user has no password, each start issues a
 * fresh link (voiding the previous one) for the start-up log to print. Null once a password is set.
 */
export async function firstStartPasswordLink(
  prisma: PrismaClient,
  publicUrl: string,
  email: string,
): Promise<{ link: string; token: string; expiresAt: Date } | null> {
  const user = await prisma.user.findFirst({ where: { email: { equals: email, mode: 'insensitive' } } });
  if (!user || user.passwordHash) return null;
  const { token, expiresAt } = await prisma.$transaction((transaction) =>
    createLink(transaction, { kind: 'system', name: 'first-start' }, user.id, ISSUED_LINK_LIFETIME_MS),
  );
  return { link: linkFor(publicUrl, '/auth/reset-password', token), token, expiresAt };
}
