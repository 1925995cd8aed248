import { changePassword, getAccount, type AccountView } from '../../services/identity/account.ts';
import { actorField } from '../actor-field.ts';
import { builder } from '../builder.ts';

const AccountMembershipType = builder.objectRef<AccountView['memberships'][number]>('AccountMembership').implement({
  fields: (t) => ({ orgId: t.exposeID('orgId'), orgName: t.exposeString('orgName'), role: t.exposeString('role') }),
});

const AccountType = builder.objectRef<AccountView>('Account').implement({
  description: 'The signed-in user.',
  fields: (t) => ({
    id: t.exposeID('id'),
    email: t.exposeString('email'),
    name: t.exposeString('name', { nullable: true }),
    isPlatformAdmin: t.exposeBoolean('isPlatformAdmin'),
    hasPassword: t.exposeBoolean('hasPassword'),
    memberships: t.field({ type: [AccountMembershipType], resolve: (parent) => parent.memberships }),
  }),
});

const PasswordChangedType = builder.objectRef<{ otherSessionsEnded: number }>('PasswordChanged').implement({
  fields: (t) => ({ otherSessionsEnded: t.expose('otherSessionsEnded', { type: 'Count' }) }),
});

actorField('query', 'me', { type: AccountType, call: getAccount });

actorField('mutation', 'changePassword', {
  type: PasswordChangedType,
  description: 'Needs the current password when the account has one; ends every other session.',
  args: builder.args((t) => ({ currentPassword: t.string(), newPassword: t.string({ required: true }) })),
  call: changePassword,
});
