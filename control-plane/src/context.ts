// Request context in two parts, as tRPC recommends: createContextInner is pure (tests build it with no
// HTTP), createContext adapts a node:http request. GraphQL uses the same context.
import type { IncomingMessage } from 'node:http';
import type { RateLimiterMemory } from 'rate-limiter-flexible';
import type { OrgCreation } from './services/organizations.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { AdminJwtIssuer } from './services/admin-jwt.ts';
import type { RequestCredentials } from './services/authenticate.ts';
import type { MasterKeyring } from './services/byok/master-keyring.ts';
import { clientAddress } from './services/identity/client-address.ts';
import type { Mailer } from './services/identity/mailer.ts';
import { CSRF_HEADER } from './services/identity/sessions.ts';
import { readSessionCookie } from './services/identity/session-cookie.ts';
import type { SnapshotPublisher } from './services/snapshot-publisher.ts';
import type { Logger } from '../../shared/src/logger.ts';
import type { ControlPlaneMetrics } from './services/control-plane-metrics.ts';
import type { Actor } from './services/service-context.ts';

/** How people sign in (issue 17): cookies, addresses, links. */
export interface IdentitySettings {
  /** Served over TLS (CONTROL_PLANE_PUBLIC_URL is https): the session cookie is Secure and __Host- prefixed. */
  secureCookies: boolean;
  /** CONTROL_PLANE_TRUST_FORWARDED_FOR (client-address.ts). */
  trustedProxyHops: number;
  signInRateLimit: RateLimiterMemory;
  /** CONTROL_PLANE_PUBLIC_URL, else the listening URL: where one-time links point. */
  publicUrl: string;
  /** SMTP_URL's mailer; null = links are only shown to whoever issues them. */
  mailer: Mailer | null;
}

/** Long-lived dependencies of every request. */
export interface AppServices {
  prisma: PrismaClient;
  publisher: SnapshotPublisher;
  adminJwt: AdminJwtIssuer;
  /** Wraps BYOK data keys (services/byok/). */
  byokKeyring: MasterKeyring;
  /** ALLOW_PRIVATE_UPSTREAMS: provider base URLs may point at private addresses. */
  allowPrivateUpstreams: boolean;
  /** ORG_CREATION: who may create organizations. */
  orgCreation: OrgCreation;
  /** GRAPHQL_INTROSPECTION: GraphQL introspection, GraphiQL and field suggestions are on (development). */
  graphqlIntrospection: boolean;
  identity: IdentitySettings;
  /** Operations (GraphQL, tRPC) are logged here with their actor and outcome. */
  logger: Logger;
  metrics: ControlPlaneMetrics;
  /** GET /metrics answers only a scrape bearing it; null = not served. */
  metricsToken: string | null;
}

/** Procedures decide which kind of credential they need (admin: a bearer token or a session; data plane: its token). */
export interface Context extends AppServices, RequestCredentials {
  /** The caller's address (client-address.ts). */
  client: string;
  /** The caller's W3C traceparent header: the call's span continues its trace (services/operation-spans.ts). */
  traceparent: string | null;
  /**
   * Who the call turned out to be, once authenticated, for its log line; and what the procedure adds to its
   * span (an ingest batch's row counts). Read when the call ends (trpc/init.ts).
   */
  observed: { actor: Actor | null; spanAttributes: Record<string, number> | null };
}

export function createContextInner(
  services: AppServices,
  authorization: string | null,
  session: Omit<RequestCredentials, 'authorization'> = { sessionSecret: null, csrfToken: null, safeMethod: false },
  client = 'in-process',
  traceparent: string | null = null,
): Context {
  return { ...services, authorization, ...session, client, traceparent, observed: { actor: null, spanAttributes: null } };
}

function header(request: IncomingMessage, name: string): string | null {
  const value = request.headers[name];
  return (Array.isArray(value) ? value[0] : value) ?? null;
}

/** The credentials of a node:http request, for both faces. */
export function requestCredentials(services: AppServices, request: IncomingMessage): RequestCredentials {
  return {
    authorization: request.headers.authorization ?? null,
    sessionSecret: readSessionCookie(request.headers.cookie, services.identity.secureCookies),
    csrfToken: header(request, CSRF_HEADER),
    safeMethod: request.method === 'GET' || request.method === 'HEAD',
  };
}

export function createContextFactory(services: AppServices) {
  return function createContext({ req }: { req: IncomingMessage }): Context {
    const { authorization, ...session } = requestCredentials(services, req);
    return createContextInner(services, authorization, session, clientAddress(req, services.identity.trustedProxyHops), header(req, 'traceparent'));
  };
}
