import { getOrgPolicy, updateOrgPolicy, type OrgPolicyView } from '../../services/org-policies.ts';
import { builder } from '../builder.ts';
import { actorField } from '../actor-field.ts';
import { requireAdmin } from '../graphql-context.ts';

const OrgPolicyType = builder.objectRef<OrgPolicyView>('OrgPolicy').implement({
  fields: (t) => ({
    orgId: t.exposeID('orgId'),
    allowedModels: t.exposeStringList('allowedModels', { nullable: true, description: 'Exact model ids or `provider/*`; null = every model.' }),
    allowedProviders: t.exposeStringList('allowedProviders', { nullable: true, description: 'Provider slugs; null = every provider.' }),
    deniedProviders: t.exposeStringList('deniedProviders', { description: 'Never used; wins over allowedProviders.' }),
    dailyLimitMicros: t.expose('dailyLimitMicros', { type: 'Micros', nullable: true, description: 'Default per-user daily limit; null = none.' }),
    orgRpmLimit: t.exposeInt('orgRpmLimit', { nullable: true, description: 'Requests per minute for the whole org; null = none.' }),
    orgTpmLimit: t.exposeInt('orgTpmLimit', { nullable: true, description: 'Tokens per minute for the whole org; null = none.' }),
    keyRpmLimit: t.exposeInt('keyRpmLimit', { nullable: true, description: "Each key's requests per minute unless it has its own; null = none." }),
    keyTpmLimit: t.exposeInt('keyTpmLimit', { nullable: true, description: "Each key's tokens per minute unless it has its own; null = none." }),
  }),
});

actorField('query', 'orgPolicy', {
  type: OrgPolicyType,
  args: builder.args((t) => ({ orgId: t.id({ required: true }) })),
  call: getOrgPolicy,
});

builder.mutationField('updateOrgPolicy', (t) =>
  t.field({
    type: OrgPolicyType,
    description: 'Omitted arguments are left unchanged; an explicit null lifts the restriction.',
    args: {
      orgId: t.arg.id({ required: true }),
      allowedModels: t.arg.stringList({ required: false }),
      allowedProviders: t.arg.stringList({ required: false }),
      deniedProviders: t.arg.stringList({ required: false }),
      dailyLimitMicros: t.arg({ type: 'Micros', required: false }),
      orgRpmLimit: t.arg.int({ required: false }),
      orgTpmLimit: t.arg.int({ required: false }),
      keyRpmLimit: t.arg.int({ required: false }),
      keyTpmLimit: t.arg.int({ required: false }),
    },
    resolve: (_root, args, context) =>
      updateOrgPolicy(requireAdmin(context), {
        orgId: args.orgId,
        allowedModels: args.allowedModels,
        allowedProviders: args.allowedProviders,
        // A null deny list means "deny nothing".
        deniedProviders: args.deniedProviders === null ? [] : args.deniedProviders,
        dailyLimitMicros: args.dailyLimitMicros,
        orgRpmLimit: args.orgRpmLimit,
        orgTpmLimit: args.orgTpmLimit,
        keyRpmLimit: args.keyRpmLimit,
        keyTpmLimit: args.keyTpmLimit,
      }),
  }),
);
