// One node:http listener for the whole control plane: /graphql (yoga), /trpc/* (tRPC, SSE
// subscriptions included), the browser's sign-in under /auth/, GET /healthz, GET /metrics (with
// METRICS_TOKEN) and the admin console at `/`.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { createContextFactory, type AppServices } from './context.ts';
import { handleLogin, handleLogout, handleSession } from './http/auth-routes.ts';
import { loadConsoleAssets } from './http/console-assets.ts';
import { createGraphQLHandler } from './http/graphql-route.ts';
import { handleInvitationPage, handleResetPasswordPage } from './http/link-pages.ts';
import { handleSsoCallback, handleSsoStart } from './http/sso-routes.ts';
import { appRouter } from './trpc/routers/_app.ts';

/** The most calls one tRPC batch may carry; clients set httpBatchLink's maxItems to it or less. */
export const MAX_TRPC_BATCH_SIZE = 50;
export const MAX_TRPC_BODY_BYTES = 8 * 1024 * 1024;

export function createHttpHandler(services: AppServices): RequestListener {
  const graphql = createGraphQLHandler(services);
  const trpc = createHTTPHandler({
    router: appRouter,
    createContext: createContextFactory(services),
    basePath: '/trpc/',
    // Issue 13, defect 4: a batch runs its calls at once (400 organizations in one), and a body is read
    // as it arrives; usage ingest batches (up to 5,000 events) are the largest bodies, and a data plane
    // splits a batch refused as too large.
    maxBatchSize: MAX_TRPC_BATCH_SIZE,
    maxBodySize: MAX_TRPC_BODY_BYTES,
  });
  const serveConsole = loadConsoleAssets();
  return function handleControlPlaneRequest(request: IncomingMessage, response: ServerResponse) {
    const path = (request.url ?? '/').split('?', 1)[0] ?? '/';
    if (path === '/trpc' || path.startsWith('/trpc/')) return void trpc(request, response);
    if (path === '/graphql') return void graphql(request, response);
    if (path === '/auth/login') return void handleLogin(services, request, response);
    if (path === '/auth/session') return void handleSession(services, request, response);
    if (path === '/auth/logout') return void handleLogout(services, request, response);
    if (path === '/auth/invitation') return void handleInvitationPage(services, request, response);
    if (path === '/auth/reset-password') return void handleResetPasswordPage(services, request, response);
    if (path === '/auth/sso/start') return void handleSsoStart(services, request, response);
    if (path === '/auth/sso/callback') return void handleSsoCallback(services, request, response);
    if (path === '/healthz' && (request.method === 'GET' || request.method === 'HEAD')) {
      response.writeHead(200, { 'content-type': 'application/json' });
      return void response.end(JSON.stringify({ status: 'ok', snapshotVersion: services.publisher.version }));
    }
    if (path === '/metrics' && services.metricsToken !== null && request.method === 'GET') return void serveMetrics(services, request, response);
    if (serveConsole(request, response, path)) return;
    response.writeHead(404, { 'content-type': 'application/json' });
    response.end(
      JSON.stringify({ error: { message: `no route for ${request.method} ${path}`, type: 'invalid_request_error', code: 'not_found', param: null } }),
    );
  };
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Prometheus exposition for a scrape bearing METRICS_TOKEN (compared in constant time). */
function serveMetrics(services: AppServices, request: IncomingMessage, response: ServerResponse): void {
  if (!timingSafeEqual(digest(request.headers.authorization ?? ''), digest(`Bearer ${services.metricsToken}`))) {
    response.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer' });
    return void response.end('unauthorized\n');
  }
  services.metrics.registry.metrics().then(
    (body) => {
      response.writeHead(200, { 'content-type': services.metrics.registry.contentType });
      response.end(body);
    },
    (error: unknown) => {
      response.writeHead(500, { 'content-type': 'text/plain' });
      response.end(`scrape failed: ${String(error)}\n`);
    },
  );
}
