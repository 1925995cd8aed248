// The node:http face of the GraphQL server (graphql/create-yoga.ts): yoga gets the body only once it is
// known to be within the cap.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GatewayError } from '../../../shared/src/errors.ts';
import type { AppServices } from '../context.ts';
import { createGraphQLServer } from '../graphql/create-yoga.ts';
import { readBody } from './json-exchange.ts';

/** The body is read before the caller is known (issue 13, defect 4), so it has a cap of its own. */
export const MAX_GRAPHQL_BODY_BYTES = 1024 * 1024;

export function createGraphQLHandler(services: AppServices) {
  const yoga = createGraphQLServer(services);
  return async function handleGraphQLRequest(request: IncomingMessage & { body?: Buffer }, response: ServerResponse): Promise<void> {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      try {
        // Yoga reads a body already on the request (as it would one a body parser left) instead of the stream.
        request.body = await readBody(request, MAX_GRAPHQL_BODY_BYTES);
      } catch (error) {
        // Otherwise the client went away mid-body: nobody is left to answer.
        if (!(error instanceof GatewayError)) return void response.destroy();
        response.writeHead(error.status, { 'content-type': 'application/json', ...error.headers });
        return void response.end(JSON.stringify({ errors: [{ message: error.message, extensions: { code: error.code } }] }));
      }
    }
    await yoga(request, response);
  };
}
