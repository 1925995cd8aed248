// BYOK provider keys: an org's own key for a provider (userId null), or one member's own key, which wins
// over the org's for that member's requests. The secret is envelope-encrypted (envelope-encryption.ts)
// before it reaches the database, and no API returns it: views carry the last 4 characters only.
// One key per (org, user or org-wide, provider): creating another replaces it, in one transaction.
// Who may do what (permissions.ts): owners and admins manage org keys and every member's keys; a member
// manages only their own per-user keys; billing sees none.
import { z } from 'zod';
import { GatewayError } from '../../../../shared/src/errors.ts';
import type { ByokCredential } from '../../../generated/prisma/client.ts';
import { recordAudit } from '../audit.ts';
import { parseInput } from '../input-schemas.ts';
import { authorizeOrgAction, mayDo } from '../org-access.ts';
import { providerSlugSchema } from '../policy-patterns.ts';
import type { ServiceContext } from '../service-context.ts';
import { sealSecret } from './envelope-encryption.ts';
import type { MasterKeyring } from './master-keyring.ts';

export const createByokCredentialInputSchema = z.object({
  orgId: z.string(),
  /** The provider slug, e.g. `openai`. */
  provider: providerSlugSchema,
  /** The provider key itself. */
  key: z.string().trim().min(8, 'a provider key has at least 8 characters').max(4096).regex(/^\S+$/, 'a provider key has no whitespace'),
  /** The member whose own key this is; null or omitted = the whole organization's key. */
  userId: z.string().nullish(),
});

export type CreateByokCredentialInput = z.input<typeof createByokCredentialInputSchema>;

export interface ByokCredentialView {
  id: string;
  orgId: string;
  /** null = the organization's key. */
  userId: string | null;
  providerId: string;
  providerSlug: string;
  last4: string;
  /** The master key version wrapping its data key (rotation moves every key to the current one). */
  masterKeyVersion: number;
  createdAt: Date;
}

type CredentialRow = ByokCredential & { provider: { slug: string } };

export function toByokCredentialView(row: CredentialRow): ByokCredentialView {
  return {
    id: row.id,
    orgId: row.orgId,
    userId: row.userId,
    providerId: row.providerId,
    providerSlug: row.provider.slug,
    last4: row.last4,
    masterKeyVersion: row.masterKeyVersion,
    createdAt: row.createdAt,
  };
}

function actingUserId(context: ServiceContext): string | null {
  return context.actor.kind === 'user' ? context.actor.userId : null;
}

/** Org keys and other members' keys need byok.manageAll; one's own per-user key needs byok.manage only. */
function assertMayManage(context: ServiceContext, membership: Awaited<ReturnType<typeof authorizeOrgAction>>, userId: string | null, param: string): void {
  if (userId !== null && userId === actingUserId(context)) return;
  if (mayDo(membership, 'byok.manageAll')) return;
  const what = userId === null ? "the organization's provider keys" : "other members' provider keys";
  throw new GatewayError('forbidden', `the ${membership?.role} role may not manage ${what}`, { param });
}

export async function createByokCredential(context: ServiceContext, keyring: MasterKeyring, rawInput: CreateByokCredentialInput): Promise<ByokCredentialView> {
  const input = parseInput(createByokCredentialInputSchema, rawInput, 'input');
  const userId = input.userId ?? null;
  const membership = await authorizeOrgAction(context, input.orgId, 'byok.manage');
  assertMayManage(context, membership, userId, 'userId');
  const created = await context.prisma.$transaction(async (transaction) => {
    const provider = await transaction.provider.findUnique({ where: { slug: input.provider } });
    if (!provider) throw new GatewayError('invalid_request', `unknown provider '${input.provider}'`, { param: 'provider' });
    if (userId !== null && !(await transaction.membership.findUnique({ where: { orgId_userId: { orgId: input.orgId, userId } } }))) {
      throw new GatewayError('invalid_request', 'a per-user provider key must belong to a member of the organization', { param: 'userId' });
    }
    const replaced = await transaction.byokCredential.findMany({ where: { orgId: input.orgId, userId, providerId: provider.id }, select: { id: true } });
    await transaction.byokCredential.deleteMany({ where: { id: { in: replaced.map((row) => row.id) } } });
    const sealed = sealSecret(keyring, { orgId: input.orgId, userId, providerId: provider.id }, input.key);
    const row = await transaction.byokCredential.create({
      data: {
        orgId: input.orgId,
        userId,
        providerId: provider.id,
        ciphertext: sealed.ciphertext,
        iv: sealed.iv,
        authTag: sealed.authTag,
        wrappedDataKey: sealed.wrappedDataKey,
        masterKeyVersion: sealed.masterKeyVersion,
        last4: input.key.slice(-4),
      },
      include: { provider: { select: { slug: true } } },
    });
    await recordAudit(transaction, context.actor, {
      action: 'byok.create',
      target: `byok-credential:${row.id}`,
      orgId: input.orgId,
      details: { provider: input.provider, userId, last4: row.last4, replaced: replaced.map((old) => old.id) },
    });
    return { row, replaced };
  });
  context.snapshotChanged({ byokCredentials: [created.row.id, ...created.replaced.map((old) => old.id)] });
  return toByokCredentialView(created.row);
}

/** The org's provider keys (never the secrets); a member sees only their own. */
export async function listByokCredentials(context: ServiceContext, input: { orgId: string }): Promise<ByokCredentialView[]> {
  const membership = await authorizeOrgAction(context, input.orgId, 'byok.read');
  const ownOnly = membership !== null && !mayDo(membership, 'byok.manageAll');
  const rows = await context.prisma.byokCredential.findMany({
    where: { orgId: input.orgId, ...(ownOnly ? { userId: membership.userId } : {}) },
    include: { provider: { select: { slug: true } } },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
  });
  return rows.map(toByokCredentialView);
}

/** Deletes a provider key (its ciphertext and wrapped data key go with it); requests fall back to the platform key. */
export async function deleteByokCredential(context: ServiceContext, input: { id: string }): Promise<ByokCredentialView> {
  const notFound = new GatewayError('not_found', `provider key ${input.id} not found`, { param: 'id' });
  const existing: CredentialRow | null = await context.prisma.byokCredential.findUnique({
    where: { id: input.id },
    include: { provider: { select: { slug: true } } },
  });
  if (!existing) throw notFound;
  let membership;
  try {
    membership = await authorizeOrgAction(context, existing.orgId, 'byok.manage');
  } catch (error) {
    // Same answer as a missing key: the caller must not learn that another org's key exists.
    if (error instanceof GatewayError && error.code === 'not_found') throw notFound;
    throw error;
  }
  assertMayManage(context, membership, existing.userId, 'id');
  await context.prisma.$transaction(async (transaction) => {
    const { count } = await transaction.byokCredential.deleteMany({ where: { id: existing.id } });
    if (count === 0) throw notFound;
    await recordAudit(transaction, context.actor, {
      action: 'byok.delete',
      target: `byok-credential:${existing.id}`,
      orgId: existing.orgId,
      details: { provider: existing.provider.slug, userId: existing.userId, last4: existing.last4 },
    });
  });
  context.snapshotChanged({ byokCredentials: [existing.id] });
  return toByokCredentialView(existing);
}
