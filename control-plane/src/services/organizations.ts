import { GatewayError } from '../../../shared/src/errors.ts';
import type { Organization } from '../../generated/prisma/client.ts';
import { recordAudit } from './audit.ts';
import type { ServiceContext } from './service-context.ts';

/** Creates an organization; a user who creates one becomes its owner. */
export async function createOrganization(context: ServiceContext, input: { name: string }): Promise<Organization> {
  const { actor } = context;
  if (actor.kind === 'data-plane') throw new GatewayError('forbidden', 'data planes cannot create organizations');
  const organization = await context.prisma.$transaction(async (transaction) => {
    const created = await transaction.organization.create({ data: { name: input.name } });
    if (actor.kind === 'user') {
      await transaction.membership.create({ data: { orgId: created.id, userId: actor.userId, role: 'owner' } });
    }
    await recordAudit(transaction, actor, { action: 'organization.create', target: `org:${created.id}`, details: { name: input.name } });
    return created;
  });
  context.snapshotChanged();
  return organization;
}
