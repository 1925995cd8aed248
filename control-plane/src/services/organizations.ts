import type { Organization } from '../../generated/prisma/client.ts';
import { recordAudit } from './audit.ts';
import { authorizePlatformAction } from './org-access.ts';
import type { ServiceContext } from './service-context.ts';

/** Creates an organization; a user who creates one becomes its owner. */
export async function createOrganization(context: ServiceContext, input: { name: string }): Promise<Organization> {
  authorizePlatformAction(context, 'organization.create');
  const { actor } = context;
  const organization = await context.prisma.$transaction(async (transaction) => {
    const created = await transaction.organization.create({ data: { name: input.name } });
    if (actor.kind === 'user') {
      await transaction.membership.create({ data: { orgId: created.id, userId: actor.userId, role: 'owner' } });
    }
    await recordAudit(transaction, actor, { action: 'organization.create', target: `org:${created.id}`, orgId: created.id, details: { name: input.name } });
    return created;
  });
  context.snapshotChanged();
  return organization;
}

/** The organizations the caller is a member of, oldest first. */
export async function listOrganizations(context: ServiceContext): Promise<Organization[]> {
  authorizePlatformAction(context, 'organization.list');
  const { actor } = context;
  if (actor.kind !== 'user') return [];
  return context.prisma.organization.findMany({ where: { memberships: { some: { userId: actor.userId } } }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
}
