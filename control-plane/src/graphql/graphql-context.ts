// The GraphQL request context: the app's services plus the admin user the bearer token names (if any).
import { createGraphQLError } from 'graphql-yoga';
import type { AppServices } from '../context.ts';
import type { UserActor } from '../services/authenticate.ts';
import type { ServiceContext } from '../services/service-context.ts';

export interface GraphQLContext extends AppServices {
  actor: UserActor | null;
}

/** The service context of the authenticated admin; throws UNAUTHENTICATED without one. */
export function requireAdmin(context: GraphQLContext): ServiceContext {
  if (!context.actor) throw createGraphQLError('a valid admin token is required', { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
  return { prisma: context.prisma, actor: context.actor, snapshotChanged: () => context.publisher.changed() };
}
