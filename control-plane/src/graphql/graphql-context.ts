// The GraphQL request context: the app's services plus the admin user the bearer token (admin token or JWT) names, if any.
import { createGraphQLError } from 'graphql-yoga';
import type { AppServices } from '../context.ts';
import type { UserActor } from '../services/authenticate.ts';
import type { ServiceContext } from '../services/service-context.ts';

export interface GraphQLContext extends AppServices {
  authentication: UserActor | null;
}

/** The service context of the authenticated admin; throws UNAUTHENTICATED without one. */
export function requireAdmin(context: GraphQLContext): ServiceContext {
  if (!context.authentication) {
    throw createGraphQLError('a valid admin token or admin JWT is required', { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
  }
  return {
    prisma: context.prisma,
    actor: context.authentication,
    snapshotChanged: (cause) => context.publisher.changed(cause),
    allowPrivateUpstreams: context.allowPrivateUpstreams,
  };
}
