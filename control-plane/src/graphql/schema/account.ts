import { changePassword, getAccount, type AccountView } from '../../services/identity/account.ts';
import { builder } from '../builder.ts';
import { requireAdmin } from '../graphql-context.ts';

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

builder.queryField('me', (t) => t.field({ type: AccountType, resolve: (_root, _args, context) => getAccount(requireAdmin(context)) }));

builder.mutationField('changePassword', (t) =>
  t.field({
    type: PasswordChangedType,
    description: 'Needs the current password when the account has one; ends every other session.',
    args: { currentPassword: t.arg.string(), newPassword: t.arg.string({ required: true }) },
    resolve: (_root, args, context) => changePassword(requireAdmin(context), args),
  }),
);
