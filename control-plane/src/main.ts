// Command line: reads the environment and runs the control plane until SIGINT/SIGTERM.
import { parseAllowPrivateUpstreams } from '../../shared/src/upstream-address.ts';
import { startControlPlane } from './app.ts';
import { parseGraphqlIntrospection } from './graphql/create-yoga.ts';
import { orgCreationModes, type OrgCreation } from './services/organizations.ts';
import { parseTrustedProxyHops } from './services/identity/client-address.ts';
import { readFileSync } from 'node:fs';
import { createLogger, logLevelFromEnv, type Logger } from '../../shared/src/logger.ts';

const usage = `Usage: tsx control-plane/src/main.ts [--help]

Runs the gateway's control plane: GraphQL admin API at /graphql, tRPC at /trpc (admin procedures and the
data plane's snapshot subscription and usage ingest), browser sign-in at /auth/login, /auth/session and
/auth/logout, the pages one-time links open (/auth/invitation, /auth/reset-password), single sign-on
(/auth/sso/start?org=<id>, /auth/sso/callback; docs/identity.md), health at /healthz, Prometheus metrics
at /metrics (with METRICS_TOKEN).

Environment:
  CONTROL_PLANE_PORT   port to listen on                                   default 4000
  CONTROL_PLANE_HOST   interface to listen on                              default 127.0.0.1
  DATABASE_URL         PostgreSQL URL; unset = embedded PGlite in the data folder
  GATEWAY_DATA_DIR     data folder: PGlite data, signing keys, seeded secrets   default ./.data
  SIMULATOR_BASE_URL   base URL of the seeded \`simulator\` provider       default http://127.0.0.1:4010/v1
  ORG_CREATION         who may create organizations: platform-admins, or everyone (any signed-in
                       user, at most 5 per hour each)                      default platform-admins
  ALLOW_PRIVATE_UPSTREAMS
                       true = admins may point a provider's base URL at a private, loopback,
                       link-local or metadata address (set it on the data planes too)  default false
  GRAPHQL_INTROSPECTION
                       true = GraphQL introspection, GraphiQL at /graphql and "did you mean"
                       suggestions (development; they map the API for anyone)  default false
  GATEWAY_MASTER_KEYS  BYOK master keys: "1:<base64 of 32 bytes>,2:<...>", every version still in use;
                       unset = a version-1 key generated into keys/byok-master-keys (development)
  CONTROL_PLANE_PUBLIC_URL
                       the URL people reach the control plane at, for the links it hands out; an
                       https URL also makes the session cookie Secure     default its listening URL
  SMTP_URL             where invitation and password-link mails go (smtp://user:pass@host:587, smtps://…);
                       unset = links are only shown to whoever issues them
  SMTP_FROM            the sender of those mails              default AI Gateway <no-reply@localhost>
  CONTROL_PLANE_TRUST_FORWARDED_FOR
                       number of reverse proxies in front of it whose X-Forwarded-For entries name
                       the client for the sign-in rate limit and lockout   default 0 (socket address)
  GATEWAY_MASTER_KEY_VERSION
                       the version that wraps new BYOK keys and that \`npm run admin -- byok rotate\`
                       re-wraps every key to                                default the highest
  LOG_LEVEL            trace, debug, info, warn, error, fatal or silent; info logs every mutation
                       (GraphQL, tRPC) with its actor and outcome, debug also reads and each
                       snapshot version                                     default info
  LOG_FORMAT           pretty = lines for people (pino-pretty); else one JSON object per line
  METRICS_TOKEN        serve GET /metrics (Prometheus) to a scrape sending Authorization: Bearer
                       <token>; unset = /metrics is not served
  METRICS_TOKEN_FILE   file holding the metrics token
  OTEL_EXPORTER_OTLP_ENDPOINT
                       send traces (OTLP/HTTP, to <endpoint>/v1/traces): a span per GraphQL and
                       tRPC operation (usage ingest batches included). Unset = no tracing (the
                       SDK is not loaded)                                   default unset
  OTEL_SERVICE_NAME    service.name of the spans                            default ai-gateway-control-plane

On first start it seeds a dev organization and writes dev-key, admin-token and data-plane-token
(mode 0600), keys/snapshot-signing.{private,public}.jwk and keys/admin-jwt.{private,public}.jwk (the
admin session JWT key pair) into the data folder, plus keys/data-plane-encryption.{private,public}.jwk:
BYOK keys in snapshots are encrypted to the public key, and data planes open them with the private one
(DATA_PLANE_ENCRYPTION_KEY_FILE). In production place only the public file there and keep the private
key with the data planes.
`;

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  process.stdout.write(usage);
  process.exit(0);
}

let logger: Logger;
try {
  logger = createLogger('control-plane', { level: logLevelFromEnv() });
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
}
let metricsToken = process.env.METRICS_TOKEN || null;
if (!metricsToken && process.env.METRICS_TOKEN_FILE) metricsToken = readFileSync(process.env.METRICS_TOKEN_FILE, 'utf8').trim() || null;
const port = Number(process.env.CONTROL_PLANE_PORT ?? 4000);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`CONTROL_PLANE_PORT must be a port number, got ${process.env.CONTROL_PLANE_PORT}\n`);
  process.exit(2);
}

let allowPrivateUpstreams = false;
let graphqlIntrospection = false;
try {
  allowPrivateUpstreams = parseAllowPrivateUpstreams(process.env.ALLOW_PRIVATE_UPSTREAMS, false);
  graphqlIntrospection = parseGraphqlIntrospection(process.env.GRAPHQL_INTROSPECTION, false);
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(2);
}

const orgCreation = process.env.ORG_CREATION || 'platform-admins';
if (!(orgCreationModes as readonly string[]).includes(orgCreation)) {
  process.stderr.write(`ORG_CREATION must be platform-admins or everyone, got '${orgCreation}'\n`);
  process.exit(2);
}

const controlPlane = await startControlPlane({
  port,
  host: process.env.CONTROL_PLANE_HOST ?? '127.0.0.1',
  dataDir: process.env.GATEWAY_DATA_DIR ?? './.data',
  databaseUrl: process.env.DATABASE_URL || undefined,
  simulatorBaseUrl: process.env.SIMULATOR_BASE_URL || undefined,
  allowPrivateUpstreams,
  orgCreation: orgCreation as OrgCreation,
  graphqlIntrospection,
  publicUrl: process.env.CONTROL_PLANE_PUBLIC_URL || undefined,
  trustedProxyHops: parseTrustedProxyHops(process.env.CONTROL_PLANE_TRUST_FORWARDED_FOR),
  smtpUrl: process.env.SMTP_URL || undefined,
  mailFrom: process.env.SMTP_FROM || undefined,
  masterKeys: process.env.GATEWAY_MASTER_KEYS || undefined,
  masterKeyVersion: process.env.GATEWAY_MASTER_KEY_VERSION || undefined,
  logger,
  metricsToken,
  otlpEndpoint: process.env.OTEL_EXPORTER_OTLP_ENDPOINT || undefined,
  otelServiceName: process.env.OTEL_SERVICE_NAME || undefined,
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    logger.info(`${signal}: shutting down`);
    controlPlane.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`shutdown failed: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exit(1);
      },
    );
  });
}
