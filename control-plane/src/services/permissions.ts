// The one permission table: which membership roles may do each org-scoped action. Every service checks
// it through authorizeOrgAction (org-access.ts); the authorization matrix test reads it to decide what
// each role must be allowed or refused.
//
// API keys: members create, list and revoke their own keys only; owners and admins act on every key in
// the org (`apiKey.manageAll`). Billing sees money, not keys.
// BYOK provider keys: a member manages (and lists) only their own per-user keys; owners and admins also
// the organization's keys and every member's (`byok.manageAll`). Billing sees none. Re-wrapping every key
// to a new master key version (`byok.rotate`) is for platform admins.
// Memberships: owners and admins manage them, but only an owner may grant or take away the owner role,
// and the last owner cannot be removed or demoted (services/memberships.ts).
import type { MembershipRole } from '../../generated/prisma/client.ts';

export const membershipRoles = ['owner', 'admin', 'member', 'billing'] as const satisfies readonly MembershipRole[];

export const orgPermissions = {
  'organization.read': ['owner', 'admin', 'member', 'billing'],
  'apiKey.create': ['owner', 'admin', 'member'],
  'apiKey.read': ['owner', 'admin', 'member'],
  'apiKey.revoke': ['owner', 'admin', 'member'],
  /** Other members' keys: create for them, see them, revoke them. */
  'apiKey.manageAll': ['owner', 'admin'],
  'policy.read': ['owner', 'admin', 'member', 'billing'],
  'policy.update': ['owner', 'admin'],
  /** Budget alerts: thresholds, the webhook (its URL may itself be a secret, as chat webhooks' are) and its delivery log. */
  'alerts.manage': ['owner', 'admin'],
  'member.read': ['owner', 'admin', 'member', 'billing'],
  /** Invitations included: sending, listing is member.read, revoking. */
  'member.manage': ['owner', 'admin'],
  /**
   * A one-time password link for a member, handed over by the owner. Only for members who belong to no
   * org the caller does not own, and never for a platform admin (services/identity/password-resets.ts).
   */
  'member.resetPassword': ['owner'],
  /** The org's single sign-on settings (never the client secret). */
  'sso.read': ['owner', 'admin'],
  /** Configure or remove single sign-on: it decides who may join and whether passwords still work. */
  'sso.manage': ['owner'],
  'audit.read': ['owner', 'admin'],
  /** Balance and ledger entries. Members see neither, nor the org's usage (`usage.read`). */
  'billing.read': ['owner', 'admin', 'billing'],
  'usage.read': ['owner', 'admin', 'billing'],
  /** One's own requests in the org (billing.myUsage). */
  'usage.readOwn': ['owner', 'admin', 'member', 'billing'],
  'byok.read': ['owner', 'admin', 'member'],
  /** Create or delete one's own per-user provider key. */
  'byok.manage': ['owner', 'admin', 'member'],
  /** The organization's provider keys, and other members' keys. */
  'byok.manageAll': ['owner', 'admin'],
} as const satisfies Record<string, readonly MembershipRole[]>;

export type OrgAction = keyof typeof orgPermissions;

/**
 * Actions outside any org: `catalog.write` and `user.create` are for platform admins; any
 * authenticated user may read the catalog, create an org (becoming its owner) and manage their own admin tokens.
 */
export const platformPermissions = {
  'catalog.write': 'platform-admin',
  'user.create': 'platform-admin',
  /** A one-time password link for any user. */
  'user.resetPassword': 'platform-admin',
  'catalog.read': 'authenticated',
  'organization.create': 'authenticated',
  /** Lists only the caller's own orgs. */
  'organization.list': 'authenticated',
  'adminToken.manageOwn': 'authenticated',
  /** One's own account: who am I, change my password. */
  'account.manageOwn': 'authenticated',
  /** One's own browser sessions: list them, end one, end all ("sign out everywhere"). */
  'session.manageOwn': 'authenticated',
  /** Grants, purchases and adjustments: money into or out of an org is the platform's call, never the org's own. */
  'ledger.write': 'platform-admin',
  'byok.rotate': 'platform-admin',
} as const satisfies Record<string, 'platform-admin' | 'authenticated'>;

export type PlatformAction = keyof typeof platformPermissions;

export function roleMayDo(role: MembershipRole, action: OrgAction): boolean {
  return (orgPermissions[action] as readonly MembershipRole[]).includes(role);
}
