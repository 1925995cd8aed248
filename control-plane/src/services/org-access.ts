// Tenant isolation: a user acts on an organization only as one of its members, and only as far as the
// permission table (permissions.ts) lets the member's role. An org the caller cannot see answers exactly
// like an org that does not exist, so ids cannot be probed; a member lacking the role is told so.
import { GatewayError } from '../../../shared/src/errors.ts';
import type { Membership } from '../../generated/prisma/client.ts';
import { platformPermissions, roleMayDo, type OrgAction, type PlatformAction } from './permissions.ts';
import type { ServiceContext } from './service-context.ts';

/** The caller's membership when its role may do `action`; system actors get null (they may do anything). */
export async function authorizeOrgAction(context: ServiceContext, orgId: string, action: OrgAction): Promise<Membership | null> {
  const { actor } = context;
  if (actor.kind === 'system') return null;
  if (actor.kind === 'user') {
    const membership = await context.prisma.membership.findUnique({ where: { orgId_userId: { orgId, userId: actor.userId } } });
    if (membership) {
      if (roleMayDo(membership.role, action)) return membership;
      throw new GatewayError('forbidden', `the ${membership.role} role may not do ${action}`);
    }
  }
  throw new GatewayError('not_found', `organization ${orgId} not found`, { param: 'orgId' });
}

/** Whether the caller may do `action` on other members' things in the org (system actors always may). */
export function mayDo(membership: Membership | null, action: OrgAction): boolean {
  return membership === null || roleMayDo(membership.role, action);
}

export function authorizePlatformAction(context: ServiceContext, action: PlatformAction): void {
  const { actor } = context;
  if (actor.kind === 'system') return;
  if (actor.kind === 'user' && (platformPermissions[action] === 'authenticated' || actor.isPlatformAdmin)) return;
  throw new GatewayError('forbidden', `only a platform admin may do ${action}`);
}
