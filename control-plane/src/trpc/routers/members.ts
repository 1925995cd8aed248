import { z } from 'zod';
import { inviteMember, inviteMemberInputSchema, listInvitations, revokeInvitation } from '../../services/identity/invitations.ts';
import { issueMemberPasswordReset } from '../../services/identity/password-resets.ts';
import {
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
  /** Sends (or hands back) a one-time link; the answer is the same whether or not the email has an account. */
  invite: adminProcedure.input(inviteMemberInputSchema).mutation(({ ctx, input }) => inviteMember(ctx.service, ctx.identity, input)),
  invitations: adminProcedure.input(z.object({ orgId: z.string() })).query(({ ctx, input }) => listInvitations(ctx.service, input)),
  revokeInvitation: adminProcedure.input(z.object({ id: z.string() })).mutation(({ ctx, input }) => revokeInvitation(ctx.service, input)),
  /** An owner's one-time password link for a member (see 'member.resetPassword'). */
  issuePasswordReset: adminProcedure
    .input(z.object({ orgId: z.string(), userId: z.string() }))
    .mutation(({ ctx, input }) => issueMemberPasswordReset(ctx.service, ctx.identity, input)),
  setRole: adminProcedure.input(setMemberRoleInputSchema).mutation(async ({ ctx, input }) => toMemberView(await setMemberRole(ctx.service, input))),
  remove: adminProcedure.input(removeMemberInputSchema).mutation(async ({ ctx, input }) => toMemberView(await removeMember(ctx.service, input))),
  setDailyLimit: adminProcedure
    .input(setMemberDailyLimitInputSchema)
    .mutation(async ({ ctx, input }) => toMemberView(await setMemberDailyLimit(ctx.service, input))),
});
