import { roleMayDo, type membershipRoles, type OrgAction } from '../../../control-plane/src/services/permissions.ts';
import type { SignedInUser } from '../session.ts';
import type { RouterOutputs } from '../trpc.ts';

export type Membership = RouterOutputs['account']['me']['memberships'][number];

/** What every page is given: who is signed in, and the open organization (null when the user belongs to none). */
export interface PageProps {
  user: SignedInUser;
  org: Membership | null;
}

/** Whether the member's role may do the action, by the control plane's own permission table. */
export function memberMay(org: Membership | null, action: OrgAction): boolean {
  return org !== null && roleMayDo(org.role as (typeof membershipRoles)[number], action);
}
