// Request context in two parts, as tRPC recommends: createContextInner is pure (tests build it with no
// HTTP), createContext adapts a node:http request. GraphQL uses the same context.
import type { IncomingMessage } from 'node:http';
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { AdminJwtIssuer } from './services/admin-jwt.ts';
import type { MasterKeyring } from './services/byok/master-keyring.ts';
import type { SnapshotPublisher } from './services/snapshot-publisher.ts';

/** Long-lived dependencies of every request. */
export interface AppServices {
  prisma: PrismaClient;
  publisher: SnapshotPublisher;
  adminJwt: AdminJwtIssuer;
  /** Wraps BYOK data keys (services/byok/). */
  byokKeyring: MasterKeyring;
  /** ALLOW_PRIVATE_UPSTREAMS: provider base URLs may point at private addresses. */
  allowPrivateUpstreams: boolean;
}

export interface Context extends AppServices {
  /** The raw Authorization header; procedures decide which kind of token it must hold. */
  authorization: string | null;
}

export function createContextInner(services: AppServices, authorization: string | null): Context {
  return { ...services, authorization };
}

export function createContextFactory(services: AppServices) {
  return function createContext({ req }: { req: IncomingMessage }): Context {
    return createContextInner(services, req.headers.authorization ?? null);
  };
}
