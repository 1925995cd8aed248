import type { IncomingMessage } from 'node:http';
import { createYoga } from 'graphql-yoga';
import type { AppServices } from '../context.ts';
import { authenticateUser } from '../services/authenticate.ts';
import { clientAddress } from '../services/identity/client-address.ts';
import { CSRF_HEADER } from '../services/identity/sessions.ts';
import { readSessionCookie } from '../services/identity/session-cookie.ts';
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
    async context(initial) {
      const { request } = initial;
      // Served through node:http (create-http-handler.ts), so the node request is in the server context; in-process tests have none.
      const nodeRequest = (initial as { req?: IncomingMessage }).req;
      const client = nodeRequest ? clientAddress(nodeRequest, services.identity.trustedProxyHops) : 'in-process';
      const credentials = {
        authorization: request.headers.get('authorization'),
        sessionSecret: readSessionCookie(request.headers.get('cookie'), services.identity.secureCookies),
        csrfToken: request.headers.get(CSRF_HEADER),
        safeMethod: request.method === 'GET' || request.method === 'HEAD',
      };
      // A refused credential (a session without its CSRF token) is reported by the first field that needs a user.
      const authentication = await authenticateUser(services.prisma, services.adminJwt, credentials).then(
        (actor) => ({ actor, error: null }),
        (error: unknown) => ({ actor: null, error }),
      );
      return { ...services, authentication: authentication.actor, authenticationError: authentication.error, client };
    },
  });
}
