import { createUser } from '../../services/users.ts';
import { builder } from '../builder.ts';
import { requireAdmin } from '../graphql-context.ts';

builder.prismaObject('User', {
  fields: (t) => ({
    id: t.exposeID('id'),
    email: t.exposeString('email'),
    name: t.exposeString('name', { nullable: true }),
    isPlatformAdmin: t.exposeBoolean('isPlatformAdmin'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.mutationField('createUser', (t) =>
  t.prismaField({
    type: 'User',
    description: 'Platform admins only.',
    args: { email: t.arg.string({ required: true }), name: t.arg.string({ required: false }), isPlatformAdmin: t.arg.boolean({ required: false }) },
    resolve: (_query, _root, args, context) =>
      createUser(requireAdmin(context), { email: args.email, name: args.name, isPlatformAdmin: args.isPlatformAdmin ?? false }),
  }),
);
