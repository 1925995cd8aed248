// What every domain service receives, from either face (tRPC, GraphQL) or from startup code. It sits
// below every service: it imports none of them (the snapshot publisher implements snapshotChanged).
import type { PrismaClient } from '../../generated/prisma/client.ts';

/** How a user proved who they are. Services that hand out credentials check it (a JWT may not mint an admin token). */
export type UserCredential =
  | { kind: 'admin-token'; adminTokenId: string }
  | { kind: 'admin-jwt'; adminTokenId: string }
  /** A browser sign-in (cookie), see identity/sessions.ts. */
  | { kind: 'session'; sessionId: string }
  /** An invitation or password-reset link being spent (identity/invitations.ts, identity/password-resets.ts). */
  | { kind: 'one-time-link'; linkId: string }
  /** An organization's single sign-on coming back (identity/sso.ts). */
  | { kind: 'sso'; ssoLoginId: string };

export type Actor =
  | { kind: 'user'; userId: string; isPlatformAdmin: boolean; credential: UserCredential }
  | { kind: 'data-plane'; tokenId: string }
  | { kind: 'system'; name: string };

/**
 * What may have changed for the data planes: configuration ('admin', a new snapshot version if the compiled
 * state differs), or only these orgs' credits and ingested spend (their spend floors, never a snapshot version).
 */
/**
 * What changed: configuration in general ('admin': the whole snapshot is compiled again), a few API keys,
 * organizations, BYOK credentials, models or providers by id (only those rows are read again, and for a
 * provider that is enabled or disabled, the models it serves), or the spend of some organizations (their
 * spend floors, not the snapshot).
 */
export type SnapshotChangeCause =
  | 'admin'
  | { apiKeys: readonly string[] }
  | { orgs: readonly string[] }
  | { byokCredentials: readonly string[] }
  | { models: readonly string[] }
  | { providers: readonly string[] }
  | { spendOf: readonly string[] };

export interface ServiceContext {
  prisma: PrismaClient;
  actor: Actor;
  /** Tells the snapshot publisher that state the data planes see may have changed. */
  snapshotChanged(cause?: SnapshotChangeCause): void;
  /** Provider base URLs may name private, loopback and link-local targets (ALLOW_PRIVATE_UPSTREAMS); default false. */
  allowPrivateUpstreams?: boolean;
  /** Who may create organizations (ORG_CREATION); default platform admins only. */
  orgCreation?: 'everyone' | 'platform-admins';
}

/** How an actor is written in audit_log.actor. */
export function describeActor(actor: Actor): string {
  switch (actor.kind) {
    case 'user':
      return `user:${actor.userId}`;
    case 'data-plane':
      return `data-plane:${actor.tokenId}`;
    case 'system':
      return `system:${actor.name}`;
  }
}
