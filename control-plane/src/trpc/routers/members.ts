import { z } from 'zod';
import {
  addMember,
  addMemberInputSchema,
  listMembers,
  removeMember,
  removeMemberInputSchema,
  setMemberDailyLimit,
  setMemberDailyLimitInputSchema,
  setMemberRole,
  setMemberRoleInputSchema,
  type MembershipWithUser,
} from '../../services/memberships.ts';
import { microsOrNull } from '../../services/micros.ts';
import { adminProcedure, router } from '../init.ts';

export function toMemberView(membership: MembershipWithUser) {
  return {
    orgId: membership.orgId,
    userId: membership.userId,
    email: membership.user.email,
    name: membership.user.name,
    role: membership.role,
    dailyLimitMicros: microsOrNull(membership.dailyLimitMicros),
    createdAt: membership.createdAt,
  };
}

export const membersRouter = router({
  list: adminProcedure.input(z.object({ orgId: z.string() })).query(async ({ ctx, input }) => (await listMembers(ctx.service, input)).map(toMemberView)),
  add: adminProcedure.input(addMemberInputSchema).mutation(async ({ ctx, input }) => toMemberView(await addMember(ctx.service, input))),
  setRole: adminProcedure.input(setMemberRoleInputSchema).mutation(async ({ ctx, input }) => toMemberView(await setMemberRole(ctx.service, input))),
  remove: adminProcedure.input(removeMemberInputSchema).mutation(async ({ ctx, input }) => toMemberView(await removeMember(ctx.service, input))),
  setDailyLimit: adminProcedure
    .input(setMemberDailyLimitInputSchema)
    .mutation(async ({ ctx, input }) => toMemberView(await setMemberDailyLimit(ctx.service, input))),
});
