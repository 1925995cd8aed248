import { configureSso, getSso, removeSso, type SsoView } from '../../services/identity/sso.ts';
import { builder } from '../builder.ts';
import { actorField } from '../actor-field.ts';
import { requireAdmin } from '../graphql-context.ts';
import { MembershipRoleEnum } from './member.ts';

const SsoType = builder.objectRef<SsoView>('OrgSso').implement({
  description: "An organization's OpenID Connect single sign-on (the client secret is never shown).",
  fields: (t) => ({
    orgId: t.exposeID('orgId'),
    issuer: t.exposeString('issuer'),
    clientId: t.exposeString('clientId'),
    hasClientSecret: t.exposeBoolean('hasClientSecret'),
    allowedDomains: t.exposeStringList('allowedDomains'),
    defaultRole: t.exposeString('defaultRole'),
    ssoRequired: t.exposeBoolean('ssoRequired'),
    redirectUri: t.exposeString('redirectUri', { description: "Register it as the client's redirect URI at the provider." }),
    signInUrl: t.exposeString('signInUrl'),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

const SsoRemovedType = builder.objectRef<{ removed: boolean }>('SsoRemoved').implement({ fields: (t) => ({ removed: t.exposeBoolean('removed') }) });

actorField('query', 'orgSso', {
  type: SsoType,
  nullable: true,
  args: builder.args((t) => ({ orgId: t.id({ required: true }) })),
  call: (actor, input, context) => getSso(actor, context.identity, input),
});

builder.mutationField('configureOrgSso', (t) =>
  t.field({
    type: SsoType,
    args: {
      orgId: t.arg.id({ required: true }),
      issuer: t.arg.string({ required: true }),
      clientId: t.arg.string({ required: true }),
      clientSecret: t.arg.string({ description: 'Omit to keep the stored one (or for a public client); null removes it.' }),
      allowedDomains: t.arg.stringList({ required: true }),
      defaultRole: t.arg({ type: MembershipRoleEnum }),
      ssoRequired: t.arg.boolean(),
    },
    resolve: (_root, args, context) =>
      configureSso(
        requireAdmin(context),
        { prisma: context.prisma, keyring: context.byokKeyring, publicUrl: context.identity.publicUrl, allowPrivate: context.allowPrivateUpstreams },
        {
          orgId: args.orgId,
          issuer: args.issuer,
          clientId: args.clientId,
          clientSecret: args.clientSecret,
          allowedDomains: args.allowedDomains,
          defaultRole: args.defaultRole ?? undefined,
          ssoRequired: args.ssoRequired ?? undefined,
        },
      ),
  }),
);

actorField('mutation', 'removeOrgSso', {
  type: SsoRemovedType,
  args: builder.args((t) => ({ orgId: t.id({ required: true }) })),
  call: removeSso,
});
