// The GraphQL request context: the app's services plus the user the request acts for (bearer admin token
// or JWT, or the session cookie), if any.
import { createGraphQLError } from 'graphql-yoga';
import type { AppServices } from '../context.ts';
import type { UserActor } from '../services/authenticate.ts';
import type { ServiceContext } from '../services/service-context.ts';

export interface GraphQLContext extends AppServices {
  authentication: UserActor | null;
  /** Why a credential the request brought was refused (a session without its CSRF token). */
  authenticationError: unknown;
  /** The caller's address (identity/client-address.ts), for the sign-in rate limit. */
  client: string;
  /** The caller's W3C traceparent header: the operation's span continues its trace. */
  traceparent: string | null;
}

/** The service context of the authenticated user; throws UNAUTHENTICATED without one. */
export function requireAdmin(context: GraphQLContext): ServiceContext {
  if (context.authenticationError) throw context.authenticationError;
  if (!context.authentication) {
    throw createGraphQLError('a valid admin token, admin JWT or session is required', { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
  }
  return {
    prisma: context.prisma,
    actor: context.authentication,
    snapshotChanged: (cause) => context.publisher.changed(cause),
    allowPrivateUpstreams: context.allowPrivateUpstreams,
    orgCreation: context.orgCreation,
  };
}
