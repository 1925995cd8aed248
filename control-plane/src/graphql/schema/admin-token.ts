import { createAdminToken, listAdminTokens, revokeAdminToken, toAdminTokenView, type AdminTokenView } from '../../services/admin-tokens.ts';
import { displayNameSchema, parseInput } from '../../services/input-schemas.ts';
import { issueAdminJwt } from '../../services/issue-admin-jwt.ts';
import { builder } from '../builder.ts';
import { actorField } from '../actor-field.ts';

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

actorField('query', 'adminTokens', {
  type: [AdminTokenType],
  description: "The caller's own admin tokens.",
  call: async (actor) => (await listAdminTokens(actor)).map(toAdminTokenView),
});

actorField('mutation', 'createAdminToken', {
  type: CreatedAdminTokenType,
  args: builder.args((t) => ({ name: t.string({ required: true }) })),
  call: async (actor, input) => {
    const { adminToken, token } = await createAdminToken(actor, { name: parseInput(displayNameSchema, input.name, 'name') });
    return { adminToken: toAdminTokenView(adminToken), token };
  },
});

actorField('mutation', 'revokeAdminToken', {
  type: AdminTokenType,
  args: builder.args((t) => ({ id: t.id({ required: true }) })),
  call: async (actor, input) => toAdminTokenView(await revokeAdminToken(actor, input)),
});

actorField('mutation', 'issueToken', {
  type: AdminJwtType,
  description: 'Exchanges the admin token in the Authorization header for a JWT valid 15 minutes.',
  call: (actor, _input, context) => issueAdminJwt(actor, context.adminJwt),
});
