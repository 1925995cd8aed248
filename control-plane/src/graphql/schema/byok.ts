import { createByokCredential, deleteByokCredential, listByokCredentials, type ByokCredentialView } from '../../services/byok/byok-credentials.ts';
import { rotateByokMasterKey, type RotationReport } from '../../services/byok/rotate-master-key.ts';
import { builder } from '../builder.ts';
import { idField } from '../id-field.ts';
import { requireAdmin } from '../graphql-context.ts';

const ByokCredentialType = builder.objectRef<ByokCredentialView>('ByokCredential').implement({
  description: 'A provider key the organization (or one member) brought. The secret is never returned; `last4` identifies it.',
  fields: (t) => ({
    id: t.exposeID('id'),
    orgId: t.exposeString('orgId'),
    userId: t.exposeString('userId', { nullable: true, description: "null = the organization's key; else this member's own, which wins for their requests." }),
    providerId: t.exposeString('providerId'),
    providerSlug: t.exposeString('providerSlug'),
    last4: t.exposeString('last4'),
    masterKeyVersion: t.exposeInt('masterKeyVersion'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const RotationFailureType = builder.objectRef<RotationReport['failed'][number]>('ByokRotationFailure').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    masterKeyVersion: t.exposeInt('masterKeyVersion'),
    reason: t.exposeString('reason'),
  }),
});

const KeysByVersionType = builder.objectRef<RotationReport['keysByVersion'][number]>('ByokKeysByMasterVersion').implement({
  fields: (t) => ({
    masterKeyVersion: t.exposeInt('masterKeyVersion'),
    count: t.exposeInt('count'),
  }),
});

const RotationReportType = builder.objectRef<RotationReport>('ByokRotationReport').implement({
  fields: (t) => ({
    currentVersion: t.exposeInt('currentVersion'),
    rewrapped: t.exposeInt('rewrapped'),
    failed: t.field({ type: [RotationFailureType], resolve: (report) => report.failed }),
    keysByVersion: t.field({ type: [KeysByVersionType], resolve: (report) => report.keysByVersion }),
  }),
});

idField('query', 'byokCredentials', {
  type: [ByokCredentialType],
  description: "The org's provider keys (last 4 characters only); a member sees only their own.",
  argument: 'orgId',
  call: listByokCredentials,
});

builder.mutationField('createByokCredential', (t) =>
  t.field({
    type: ByokCredentialType,
    description: 'Stores a provider key (envelope-encrypted), replacing the same owner’s key for that provider.',
    args: {
      orgId: t.arg.id({ required: true }),
      provider: t.arg.string({ required: true, description: 'Provider slug, e.g. `openai`.' }),
      key: t.arg.string({ required: true, description: 'The provider key; never returned.' }),
      userId: t.arg.id({ required: false, description: "A member's own key; omitted = the organization's key." }),
    },
    resolve: (_root, args, context) =>
      createByokCredential(requireAdmin(context), context.byokKeyring, {
        orgId: String(args.orgId),
        provider: args.provider,
        key: args.key,
        userId: args.userId == null ? null : String(args.userId),
      }),
  }),
);

idField('mutation', 'deleteByokCredential', {
  type: ByokCredentialType,
  argument: 'id',
  call: deleteByokCredential,
});

builder.mutationField('rotateByokMasterKey', (t) =>
  t.field({
    type: RotationReportType,
    description: 'Re-wraps every BYOK data key to the current master key version (platform admins).',
    args: { batchSize: t.arg.int({ required: false }) },
    resolve: (_root, args, context) => rotateByokMasterKey(requireAdmin(context), context.byokKeyring, { batchSize: args.batchSize ?? undefined }),
  }),
);
