import { displayNameSchema, parseInput } from '../../services/input-schemas.ts';
import { createOrganization, listOrganizations } from '../../services/organizations.ts';
import { builder } from '../builder.ts';
import { requireAdmin } from '../graphql-context.ts';

export const OrganizationType = builder.prismaObject('Organization', {
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.queryField('organizations', (t) =>
  t.prismaField({
    type: ['Organization'],
    description: "The caller's organizations.",
    resolve: (_query, _root, _args, context) => listOrganizations(requireAdmin(context)),
  }),
);

builder.mutationField('createOrganization', (t) =>
  t.prismaField({
    type: 'Organization',
    args: { name: t.arg.string({ required: true }) },
    resolve: (_query, _root, args, context) => createOrganization(requireAdmin(context), { name: parseInput(displayNameSchema, args.name, 'name') }),
  }),
);
