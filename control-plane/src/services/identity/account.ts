// A signed-in user's own account: who am I, and change my password. Changing a password needs the
// current one (when there is one), so a borrowed session or token cannot take the account over, and ends
// every other session of the user.
import { z } from 'zod';
import { GatewayError } from '../../../../shared/src/errors.ts';
import { recordAudit } from '../audit.ts';
import { parseInput } from '../input-schemas.ts';
import { authorizePlatformAction } from '../org-access.ts';
import type { ServiceContext } from '../service-context.ts';
import { clearLoginFailures } from './login-throttle.ts';
import { hashPassword, passwordSchema, verifyPassword } from './passwords.ts';

export const changePasswordInputSchema = z.object({ currentPassword: z.string().max(1024).nullish(), newPassword: passwordSchema });

export interface AccountView {
  id: string;
  email: string;
  name: string | null;
  isPlatformAdmin: boolean;
  hasPassword: boolean;
  memberships: { orgId: string; orgName: string; role: string }[];
}

function actingUserId(context: ServiceContext): string {
  authorizePlatformAction(context, 'account.manageOwn');
  if (context.actor.kind !== 'user') throw new GatewayError('forbidden', 'accounts belong to users');
  return context.actor.userId;
}

export async function getAccount(context: ServiceContext): Promise<AccountView> {
  const user = await context.prisma.user.findUniqueOrThrow({
    where: { id: actingUserId(context) },
    include: { memberships: { include: { org: { select: { name: true } } }, orderBy: [{ createdAt: 'asc' }, { orgId: 'asc' }] } },
  });
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    isPlatformAdmin: user.isPlatformAdmin,
    hasPassword: user.passwordHash !== null,
    memberships: user.memberships.map((membership) => ({ orgId: membership.orgId, orgName: membership.org.name, role: membership.role })),
  };
}

export async function changePassword(context: ServiceContext, rawInput: z.input<typeof changePasswordInputSchema>): Promise<{ otherSessionsEnded: number }> {
  const input = parseInput(changePasswordInputSchema, rawInput, 'input');
  const userId = actingUserId(context);
  const user = await context.prisma.user.findUniqueOrThrow({ where: { id: userId } });
  if (user.passwordHash !== null && !(await verifyPassword(user.passwordHash, input.currentPassword ?? ''))) {
    throw new GatewayError('invalid_credentials', 'the current password is wrong', { param: 'currentPassword' });
  }
  const passwordHash = await hashPassword(input.newPassword);
  const currentSessionId = context.actor.kind === 'user' && context.actor.credential.kind === 'session' ? context.actor.credential.sessionId : null;
  const result = await context.prisma.$transaction(async (transaction) => {
    await transaction.user.update({ where: { id: userId }, data: { passwordHash } });
    const { count } = await transaction.session.updateMany({
      where: { userId, revokedAt: null, ...(currentSessionId ? { id: { not: currentSessionId } } : {}) },
      data: { revokedAt: new Date() },
    });
    await recordAudit(transaction, context.actor, { action: 'account.change-password', target: `user:${userId}`, details: { otherSessionsEnded: count } });
    return { otherSessionsEnded: count };
  });
  await clearLoginFailures(context.prisma, user.email);
  return result;
}
