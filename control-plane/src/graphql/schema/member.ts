import { listMembers, removeMember, setMemberDailyLimit, setMemberRole, type MembershipWithUser } from '../../services/memberships.ts';
import { microsOrNull } from '../../services/micros.ts';
import { membershipRoles } from '../../services/permissions.ts';
import { builder } from '../builder.ts';
import { idField } from '../id-field.ts';
import { requireAdmin } from '../graphql-context.ts';

export const MembershipRoleEnum = builder.enumType('MembershipRole', { values: membershipRoles });

const MemberType = builder.objectRef<MembershipWithUser>('Member').implement({
  fields: (t) => ({
    orgId: t.exposeID('orgId'),
    userId: t.exposeID('userId'),
    email: t.string({ resolve: (member) => member.user.email }),
    name: t.string({ nullable: true, resolve: (member) => member.user.name }),
    role: t.field({ type: MembershipRoleEnum, resolve: (member) => member.role }),
    dailyLimitMicros: t.field({
      type: 'Micros',
      nullable: true,
      description: "Overrides the org's default daily limit; null = the default.",
      resolve: (member) => microsOrNull(member.dailyLimitMicros),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

idField('query', 'members', {
  type: [MemberType],
  argument: 'orgId',
  call: listMembers,
});

builder.mutationField('setMemberRole', (t) =>
  t.field({
    type: MemberType,
    args: { orgId: t.arg.id({ required: true }), userId: t.arg.id({ required: true }), role: t.arg({ type: MembershipRoleEnum, required: true }) },
    resolve: (_root, args, context) => setMemberRole(requireAdmin(context), { orgId: String(args.orgId), userId: String(args.userId), role: args.role }),
  }),
);

builder.mutationField('removeMember', (t) =>
  t.field({
    type: MemberType,
    args: { orgId: t.arg.id({ required: true }), userId: t.arg.id({ required: true }) },
    resolve: (_root, args, context) => removeMember(requireAdmin(context), { orgId: String(args.orgId), userId: String(args.userId) }),
  }),
);

builder.mutationField('setMemberDailyLimit', (t) =>
  t.field({
    type: MemberType,
    args: { orgId: t.arg.id({ required: true }), userId: t.arg.id({ required: true }), dailyLimitMicros: t.arg({ type: 'Micros', required: false }) },
    resolve: (_root, args, context) =>
      setMemberDailyLimit(requireAdmin(context), { orgId: String(args.orgId), userId: String(args.userId), dailyLimitMicros: args.dailyLimitMicros ?? null }),
  }),
);
