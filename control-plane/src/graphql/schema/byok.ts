import { createByokCredential, deleteByokCredential, listByokCredentials, type ByokCredentialView } from '../../services/byok/byok-credentials.ts';
import { rotateByokMasterKey, type RotationReport } from '../../services/byok/rotate-master-key.ts';
import { builder } from '../builder.ts';
import { actorField } from '../actor-field.ts';

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

actorField('query', 'byokCredentials', {
  type: [ByokCredentialType],
  description: "The org's provider keys (last 4 characters only); a member sees only their own.",
  args: builder.args((t) => ({ orgId: t.id({ required: true }) })),
  call: listByokCredentials,
});

actorField('mutation', 'createByokCredential', {
  type: ByokCredentialType,
  description: 'Stores a provider key (envelope-encrypted), replacing the same owner’s key for that provider.',
  args: builder.args((t) => ({
    orgId: t.id({ required: true }),
    provider: t.string({ required: true, description: 'Provider slug, e.g. `openai`.' }),
    key: t.string({ required: true, description: 'The provider key; never returned.' }),
    userId: t.id({ required: false, description: "A member's own key; omitted = the organization's key." }),
  })),
  call: (actor, input, context) => createByokCredential(actor, context.byokKeyring, { ...input, userId: input.userId ?? null }),
});

actorField('mutation', 'deleteByokCredential', {
  type: ByokCredentialType,
  args: builder.args((t) => ({ id: t.id({ required: true }) })),
  call: deleteByokCredential,
});

actorField('mutation', 'rotateByokMasterKey', {
  type: RotationReportType,
  description: 'Re-wraps every BYOK data key to the current master key version (platform admins).',
  args: builder.args((t) => ({ batchSize: t.int({ required: false }) })),
  call: (actor, input, context) => rotateByokMasterKey(actor, context.byokKeyring, input),
});
