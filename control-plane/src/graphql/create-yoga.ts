import { createYoga } from 'graphql-yoga';
import type { AppServices } from '../context.ts';
import { authenticateAdmin, bearerToken } from '../services/authenticate.ts';
import type { GraphQLContext } from './graphql-context.ts';
import { maskGatewayError } from './mask-gateway-error.ts';
import { schema } from './schema/index.ts';

export function createGraphQLServer(services: AppServices) {
  return createYoga<Record<string, unknown>, GraphQLContext>({
    schema,
    graphqlEndpoint: '/graphql',
    maskedErrors: { maskError: maskGatewayError },
    // Yoga's default logger would print masked errors' causes; the HTTP edge never logs request data.
    logging: false,
    async context({ request }) {
      const authentication = await authenticateAdmin(services.prisma, services.adminJwt, bearerToken(request.headers.get('authorization')));
      return { ...services, authentication };
    },
  });
}
