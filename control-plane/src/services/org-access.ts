// Tenant isolation: a user acts on an organization only as one of its members. An org the caller
// cannot see answers exactly like an org that does not exist, so ids cannot be probed.
import { GatewayError } from '../../../shared/src/errors.ts';
import type { ServiceContext } from './service-context.ts';

export async function assertOrgAccess(context: ServiceContext, orgId: string): Promise<void> {
  const { actor } = context;
  if (actor.kind === 'system') return;
  if (actor.kind === 'user') {
    const membership = await context.prisma.membership.findUnique({ where: { orgId_userId: { orgId, userId: actor.userId } } });
    if (membership) return;
  }
  throw new GatewayError('not_found', `organization ${orgId} not found`, { param: 'orgId' });
}

/** The catalog (providers, models, prices) is platform-wide; only platform admins change it. */
export function assertPlatformAdmin(context: ServiceContext): void {
  const { actor } = context;
  if (actor.kind === 'system' || (actor.kind === 'user' && actor.isPlatformAdmin)) return;
  throw new GatewayError('forbidden', 'only a platform admin may change the catalog');
}
