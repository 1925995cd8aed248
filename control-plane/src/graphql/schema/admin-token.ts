import { createAdminToken, listAdminTokens, revokeAdminToken, toAdminTokenView, type AdminTokenView } from '../../services/admin-tokens.ts';
import { displayNameSchema, parseInput } from '../../services/input-schemas.ts';
import { issueAdminJwt } from '../../services/issue-admin-jwt.ts';
import { builder } from '../builder.ts';
import { idField } from '../id-field.ts';
import { requireAdmin } from '../graphql-context.ts';

const AdminTokenType = builder.objectRef<AdminTokenView>('AdminToken').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const CreatedAdminTokenType = builder.objectRef<{ adminToken: AdminTokenView; token: string }>('CreatedAdminToken').implement({
  description: 'A new admin token. `token` is the secret: shown this once, stored nowhere.',
  fields: (t) => ({
    token: t.exposeString('token'),
    adminToken: t.field({ type: AdminTokenType, resolve: (parent) => parent.adminToken }),
  }),
});

const AdminJwtType = builder.objectRef<{ token: string; expiresAt: Date }>('AdminJwt').implement({
  fields: (t) => ({
    token: t.exposeString('token'),
    expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
  }),
});

builder.queryField('adminTokens', (t) =>
  t.field({
    type: [AdminTokenType],
    description: "The caller's own admin tokens.",
    resolve: async (_root, _args, context) => (await listAdminTokens(requireAdmin(context))).map(toAdminTokenView),
  }),
);

builder.mutationField('createAdminToken', (t) =>
  t.field({
    type: CreatedAdminTokenType,
    args: { name: t.arg.string({ required: true }) },
    resolve: async (_root, args, context) => {
      const { adminToken, token } = await createAdminToken(requireAdmin(context), { name: parseInput(displayNameSchema, args.name, 'name') });
      return { adminToken: toAdminTokenView(adminToken), token };
    },
  }),
);

idField('mutation', 'revokeAdminToken', {
  type: AdminTokenType,
  argument: 'id',
  call: async (actor, input) => toAdminTokenView(await revokeAdminToken(actor, input)),
});

builder.mutationField('issueToken', (t) =>
  t.field({
    type: AdminJwtType,
    description: 'Exchanges the admin token in the Authorization header for a JWT valid 15 minutes.',
    resolve: (_root, _args, context) => issueAdminJwt(requireAdmin(context), context.adminJwt),
  }),
);
