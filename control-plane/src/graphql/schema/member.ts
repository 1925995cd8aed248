import { listMembers, removeMember, setMemberDailyLimit, setMemberRole, type MembershipWithUser } from '../../services/memberships.ts';
import { microsOrNull } from '../../services/micros.ts';
import { membershipRoles } from '../../services/permissions.ts';
import { builder } from '../builder.ts';
import { actorField } from '../actor-field.ts';

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

actorField('query', 'members', {
  type: [MemberType],
  args: builder.args((t) => ({ orgId: t.id({ required: true }) })),
  call: listMembers,
});

const memberArgs = builder.args((t) => ({ orgId: t.id({ required: true }), userId: t.id({ required: true }) }));

actorField('mutation', 'setMemberRole', {
  type: MemberType,
  args: { ...memberArgs, ...builder.args((t) => ({ role: t.field({ type: MembershipRoleEnum, required: true }) })) },
  call: setMemberRole,
});

actorField('mutation', 'removeMember', { type: MemberType, args: memberArgs, call: removeMember });

actorField('mutation', 'setMemberDailyLimit', {
  type: MemberType,
  args: { ...memberArgs, ...builder.args((t) => ({ dailyLimitMicros: t.field({ type: 'Micros', required: false }) })) },
  call: (actor, input) => setMemberDailyLimit(actor, { ...input, dailyLimitMicros: input.dailyLimitMicros ?? null }),
});
