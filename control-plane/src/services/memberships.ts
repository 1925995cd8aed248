// Who belongs to an org and in which role. Owners and admins manage members (member.manage), but only an
// owner grants or takes away the owner role, and an org always keeps at least one owner. People join
// through invitations (identity/invitations.ts), never by being added.
import { z } from 'zod';
import { GatewayError } from '../../../shared/src/errors.ts';
import type { Membership, MembershipRole, Prisma } from '../../generated/prisma/client.ts';
import { recordAudit } from './audit.ts';
import { parseInput } from './input-schemas.ts';
import { microsSchema } from './micros.ts';
import { authorizeOrgAction } from './org-access.ts';
import { membershipRoles } from './permissions.ts';
import type { ServiceContext } from './service-context.ts';

export const membershipRoleSchema = z.enum(membershipRoles);

export const setMemberRoleInputSchema = z.object({ orgId: z.string(), userId: z.string(), role: membershipRoleSchema });
export const removeMemberInputSchema = z.object({ orgId: z.string(), userId: z.string() });
/** A per-member override of the org's default daily limit; null = use the default. */
export const setMemberDailyLimitInputSchema = z.object({ orgId: z.string(), userId: z.string(), dailyLimitMicros: microsSchema.nullable() });

export type MembershipWithUser = Membership & { user: { email: string; name: string | null } };

const withUser = { user: { select: { email: true, name: true } } } satisfies Prisma.MembershipInclude;

export async function listMembers(context: ServiceContext, input: { orgId: string }): Promise<MembershipWithUser[]> {
  await authorizeOrgAction(context, input.orgId, 'member.read');
  return context.prisma.membership.findMany({ where: { orgId: input.orgId }, include: withUser, orderBy: [{ createdAt: 'asc' }, { userId: 'asc' }] });
}

export async function setMemberRole(context: ServiceContext, rawInput: z.input<typeof setMemberRoleInputSchema>): Promise<MembershipWithUser> {
  const input = parseInput(setMemberRoleInputSchema, rawInput, 'input');
  const caller = await authorizeOrgAction(context, input.orgId, 'member.manage');
  assertMayTouchOwnerRole(caller, input.role);
  return context.prisma.$transaction(async (transaction) => {
    const existing = await findMembership(transaction, input.orgId, input.userId);
    assertMayTouchOwnerRole(caller, existing.role);
    if (existing.role === 'owner' && input.role !== 'owner') await assertAnotherOwner(transaction, input.orgId, input.userId);
    const row = await transaction.membership.update({
      where: { orgId_userId: { orgId: input.orgId, userId: input.userId } },
      data: { role: input.role },
      include: withUser,
    });
    await recordAudit(transaction, context.actor, {
      action: 'member.set-role',
      target: `user:${input.userId}`,
      orgId: input.orgId,
      details: { from: existing.role, to: input.role },
    });
    return row;
  });
}

export async function removeMember(context: ServiceContext, rawInput: z.input<typeof removeMemberInputSchema>): Promise<MembershipWithUser> {
  const input = parseInput(removeMemberInputSchema, rawInput, 'input');
  const caller = await authorizeOrgAction(context, input.orgId, 'member.manage');
  let revokedKeyIds: string[] = [];
  const removed = await context.prisma.$transaction(async (transaction) => {
    const existing = await findMembership(transaction, input.orgId, input.userId);
    assertMayTouchOwnerRole(caller, existing.role);
    if (existing.role === 'owner') await assertAnotherOwner(transaction, input.orgId, input.userId);
    const row = await transaction.membership.delete({ where: { orgId_userId: { orgId: input.orgId, userId: input.userId } }, include: withUser });
    // A former member's keys must stop working with them.
    const keys = await transaction.apiKey.findMany({ where: { orgId: input.orgId, userId: input.userId, revokedAt: null }, select: { id: true } });
    await transaction.apiKey.updateMany({ where: { id: { in: keys.map((key) => key.id) } }, data: { revokedAt: new Date() } });
    revokedKeyIds = keys.map((key) => key.id);
    await recordAudit(transaction, context.actor, {
      action: 'member.remove',
      target: `user:${input.userId}`,
      orgId: input.orgId,
      details: { role: existing.role },
    });
    return row;
  });
  // Their keys go, and the org's entry loses their daily limit if they had one: rows, not a whole compile.
  context.snapshotChanged({ apiKeys: revokedKeyIds });
  context.snapshotChanged({ orgs: [input.orgId] });
  return removed;
}

/** Spending limits are policy, so they need policy.update rather than member.manage. */
export async function setMemberDailyLimit(context: ServiceContext, rawInput: z.input<typeof setMemberDailyLimitInputSchema>): Promise<MembershipWithUser> {
  const input = parseInput(setMemberDailyLimitInputSchema, rawInput, 'input');
  await authorizeOrgAction(context, input.orgId, 'policy.update');
  const updated = await context.prisma.$transaction(async (transaction) => {
    await findMembership(transaction, input.orgId, input.userId);
    const row = await transaction.membership.update({
      where: { orgId_userId: { orgId: input.orgId, userId: input.userId } },
      data: { dailyLimitMicros: input.dailyLimitMicros === null ? null : BigInt(input.dailyLimitMicros) },
      include: withUser,
    });
    await recordAudit(transaction, context.actor, {
      action: 'member.set-daily-limit',
      target: `user:${input.userId}`,
      orgId: input.orgId,
      details: { dailyLimitMicros: input.dailyLimitMicros },
    });
    return row;
  });
  context.snapshotChanged({ orgs: [input.orgId] });
  return updated;
}

function assertMayTouchOwnerRole(caller: Membership | null, role: MembershipRole): void {
  if (role === 'owner' && caller !== null && caller.role !== 'owner')
    throw new GatewayError('forbidden', 'only an owner may grant or take away the owner role');
}

async function findMembership(transaction: Prisma.TransactionClient, orgId: string, userId: string): Promise<Membership> {
  const membership = await transaction.membership.findUnique({ where: { orgId_userId: { orgId, userId } } });
  if (!membership) throw new GatewayError('not_found', `user ${userId} is not a member`, { param: 'userId' });
  return membership;
}

async function assertAnotherOwner(transaction: Prisma.TransactionClient, orgId: string, userId: string): Promise<void> {
  // Locks the owner rows, so two owners demoting each other at once cannot leave the org with none.
  const owners = await transaction.$queryRaw<{ user_id: string }[]>`
    SELECT "user_id" FROM "memberships" WHERE "org_id" = ${orgId} AND "role" = 'owner' ORDER BY "user_id" FOR UPDATE`;
  if (!owners.some((owner) => owner.user_id !== userId))
    throw new GatewayError('invalid_request', 'an organization must keep at least one owner', { param: 'userId' });
}
