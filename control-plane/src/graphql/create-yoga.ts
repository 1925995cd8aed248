import type { IncomingMessage } from 'node:http';
import { EnvelopArmor } from '@escape.tech/graphql-armor';
import { useDisableIntrospection } from '@graphql-yoga/plugin-disable-introspection';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { createYoga } from 'graphql-yoga';
import type { AppServices } from '../context.ts';
import { authenticateUser } from '../services/authenticate.ts';
import { clientAddress } from '../services/identity/client-address.ts';
import { CSRF_HEADER } from '../services/identity/sessions.ts';
import { readSessionCookie } from '../services/identity/session-cookie.ts';
import type { GraphQLContext } from './graphql-context.ts';
import { useOperationLog } from './operation-log-plugin.ts';
import { maskGatewayError } from './mask-gateway-error.ts';
import { schema } from './schema/index.ts';

/**
 * Issue 13, defect 4: one member's query of 5,000 aliases of `members` stalled the control plane. Every
 * operation is checked against these limits (graphql-armor's defaults) before anything runs, and before
 * the caller is authenticated; our own operations stay far below them.
 */
export const GRAPHQL_LIMITS = { aliases: 15, depth: 6, cost: 5000, tokens: 1000, directives: 50 } as const;

/** GRAPHQL_INTROSPECTION: true or false; unset = fallback (off for the control plane's own command, on for npm start). */
export function parseGraphqlIntrospection(raw: string | undefined, fallback: boolean): boolean {
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true' || raw === 'false') return raw === 'true';
  throw new Error(`GRAPHQL_INTROSPECTION must be true or false, got '${raw}'`);
}

export function createGraphQLServer(services: AppServices) {
  const armor = new EnvelopArmor({
    maxAliases: { n: GRAPHQL_LIMITS.aliases },
    maxDepth: { n: GRAPHQL_LIMITS.depth },
    costLimit: { maxCost: GRAPHQL_LIMITS.cost },
    maxTokens: { n: GRAPHQL_LIMITS.tokens },
    maxDirectives: { n: GRAPHQL_LIMITS.directives },
    // "Did you mean …" answers spell the schema out to whoever guesses, like introspection.
    blockFieldSuggestion: { enabled: !services.graphqlIntrospection },
  });
  return createYoga<Record<string, unknown>, GraphQLContext>({
    schema,
    graphqlEndpoint: '/graphql',
    // GraphiQL with its scripts and styles inlined: the default page loads them from a CDN, blank offline.
    renderGraphiQL,
    maskedErrors: { maskError: maskGatewayError },
    // Yoga's default logger would print masked errors' causes; the HTTP edge never logs request data.
    logging: false,
    // GRAPHQL_INTROSPECTION: the schema, GraphiQL and field suggestions are for development.
    graphiql: services.graphqlIntrospection,
    plugins: [...armor.protect().plugins, ...(services.graphqlIntrospection ? [] : [useDisableIntrospection()]), useOperationLog()],
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
      return {
        ...services,
        authentication: authentication.actor,
        authenticationError: authentication.error,
        client,
        traceparent: request.headers.get('traceparent'),
      };
    },
  });
}
