// Builds the control plane (database, signing keys, seed, snapshot publisher, HTTP faces) and, in
// startControlPlane, listens. main.ts is the command-line wrapper; scripts/start.ts and the cross-plane
// tests call startControlPlane directly.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { JWK } from 'jose';
import { createSnapshotSigner } from '../../shared/src/crypto.ts';
import { lineLog, silentLogger, type Logger } from '../../shared/src/logger.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { AppServices } from './context.ts';
import { createHttpHandler } from './create-http-handler.ts';
import { openDatabase } from './db/open-database.ts';
import { loadOrCreateAdminJwtIssuer } from './services/admin-jwt.ts';
import { createByokSnapshotCompiler } from './services/byok/compile-byok-credentials.ts';
import { loadOrCreateDataPlaneEncryptionKeys } from './services/byok/data-plane-encryption-keys.ts';
import { loadOrCreateMasterKeyring, type MasterKeyringSource } from './services/byok/master-keyring.ts';
import { setProviderBaseUrl } from './services/catalog.ts';
import { ControlPlaneMetrics } from './services/control-plane-metrics.ts';
import { createSmtpMailer } from './services/identity/mailer.ts';
import { firstStartPasswordLink } from './services/identity/password-resets.ts';
import { createSignInRateLimit } from './services/identity/sign-in.ts';
import type { OrgCreation } from './services/organizations.ts';
import { ADMIN_EMAIL, seedDatabase } from './services/seed.ts';
import type { ServiceContext } from './services/service-context.ts';
import { loadOrCreateSigningKeys } from './services/signing-keys.ts';
import { createBudgetAlerts } from './services/budget-alerts.ts';
import { createSnapshotPublisher } from './services/snapshot-publisher.ts';
import { startOperationSpans } from './services/operation-spans.ts';

export interface ControlPlaneOptions extends MasterKeyringSource {
  dataDir: string;
  /** PostgreSQL; when absent the embedded PGlite database lives in <dataDir>/pglite. */
  databaseUrl?: string | null;
  /** Where the seeded `simulator` provider points (updated on every start when given). */
  simulatorBaseUrl?: string | null;
  /** Admins may point providers at private, loopback, link-local and metadata addresses; default false. */
  allowPrivateUpstreams?: boolean;
  /** Who may create organizations: every signed-in user, or platform admins only (default). */
  orgCreation?: OrgCreation;
  /** GraphQL introspection, GraphiQL and field suggestions; default false (they map the API for attackers). */
  graphqlIntrospection?: boolean;
  /** The address people reach the control plane at (CONTROL_PLANE_PUBLIC_URL); https makes the session cookie Secure. */
  publicUrl?: string | null;
  /** CONTROL_PLANE_TRUST_FORWARDED_FOR: how many reverse proxies' X-Forwarded-For entries to trust (default 0). */
  trustedProxyHops?: number;
  /** SMTP_URL: where invitation and password mails go; unset = links are only shown to whoever issues them. */
  smtpUrl?: string | null;
  /** SMTP_FROM: the sender of those mails. */
  mailFrom?: string | null;
  /** Default: nothing is logged (tests); the programs pass shared/src/logger.ts's. */
  logger?: Logger;
  /** METRICS_TOKEN: GET /metrics answers a scrape bearing it; unset = /metrics is not served. */
  metricsToken?: string | null;
  /** OTEL_EXPORTER_OTLP_ENDPOINT: send a span per GraphQL and tRPC operation there; unset = no tracing. */
  otlpEndpoint?: string | null;
  /** OTEL_SERVICE_NAME: service.name of those spans (default ai-gateway-control-plane). */
  otelServiceName?: string | null;
}

export interface ControlPlaneApp {
  services: AppServices;
  publicJwk: JWK;
  adminToken: string;
  dataPlaneToken: string;
  /** The data planes' BYOK decryption key file when this control plane generated it (development), else null. */
  dataPlaneEncryptionKeyFile: string | null;
  /** Plaintext dev API key on the first start only, else null. */
  devApiKey: string | null;
  handler: ReturnType<typeof createHttpHandler>;
  close(): Promise<void>;
}

export interface ControlPlane {
  /** e.g. http://127.0.0.1:4000 (GraphQL at /graphql, tRPC at /trpc). */
  url: string;
  port: number;
  publicJwk: JWK;
  dataPlaneToken: string;
  /** See ControlPlaneApp. */
  dataPlaneEncryptionKeyFile: string | null;
  adminToken: string;
  devApiKey: string | null;
  /** While the seeded admin has no password: a one-time link (24 hours) to set it, new on every start. */
  adminPasswordLink: string | null;
  prisma: PrismaClient;
  close(): Promise<void>;
}

/** Everything but the listening socket; tests use it in-process. */
export async function createControlPlaneApp(options: ControlPlaneOptions): Promise<ControlPlaneApp> {
  const logger = options.logger ?? silentLogger;
  const log = lineLog(logger, 'info');
  const warn = lineLog(logger, 'warn');
  const database = await openDatabase({ dataDir: join(options.dataDir, 'pglite'), databaseUrl: options.databaseUrl ?? undefined, warn });
  try {
    if (database.migrations.applied.length > 0) log(`applied migrations: ${database.migrations.applied.join(', ')}`);
    const keys = await loadOrCreateSigningKeys(options.dataDir);
    if (keys.created) log(`generated the snapshot signing key pair in ${join(options.dataDir, 'keys')}`);
    const adminJwt = await loadOrCreateAdminJwtIssuer(options.dataDir);
    if (adminJwt.created) log(`generated the admin JWT key pair in ${join(options.dataDir, 'keys')}`);
    const byokKeyring = await loadOrCreateMasterKeyring(options.dataDir, options);
    if (byokKeyring.createdFile) log(`generated a BYOK master key (version 1) in ${byokKeyring.createdFile}; set GATEWAY_MASTER_KEYS in production`);
    const dataPlaneEncryption = await loadOrCreateDataPlaneEncryptionKeys(options.dataDir);
    if (dataPlaneEncryption.created) log(`generated the data-plane BYOK encryption key pair in ${join(options.dataDir, 'keys')}`);
    const budgetAlerts = createBudgetAlerts({ prisma: database.prisma, log: warn });
    const metrics = new ControlPlaneMetrics({ snapshotVersion: () => publisher.version, database });
    metrics.spans = await startOperationSpans({ otlpEndpoint: options.otlpEndpoint, serviceName: options.otelServiceName });
    const publisher = createSnapshotPublisher({
      prisma: database.prisma,
      onSpendFloors: (floors) => void budgetAlerts.check(floors),
      signer: await createSnapshotSigner(keys.privateJwk),
      byok: await createByokSnapshotCompiler(byokKeyring, dataPlaneEncryption.publicJwk, warn),
      listen: database.listen ?? undefined,
      log: warn,
      onCompiled(compiled) {
        metrics.snapshotCompiled(compiled.kind, compiled.ms / 1000, compiled.stateBytes);
        const { version, kind, ms, stateBytes } = compiled;
        logger.debug({ version, kind, ms: Math.round(ms * 10) / 10, stateBytes }, `snapshot version ${version} (${compiled.summary}, ${ms.toFixed(1)} ms)`);
      },
    });
    const system: ServiceContext = { prisma: database.prisma, actor: { kind: 'system', name: 'startup' }, snapshotChanged: () => {} };
    const seed = await seedDatabase(
      { ...system, actor: { kind: 'system', name: 'seed' } },
      { dataDir: options.dataDir, simulatorBaseUrl: options.simulatorBaseUrl ?? undefined },
    );
    log(seed.created ? `seeded the dev organization; secrets are in ${options.dataDir}` : 'seed already exists; nothing seeded');
    if (options.simulatorBaseUrl && !seed.created) await setProviderBaseUrl(system, 'simulator', options.simulatorBaseUrl);
    // Started after the seed so the first version already holds it; the publisher then sees every later change.
    await publisher.start();
    const identity = {
      secureCookies: options.publicUrl?.startsWith('https://') ?? false,
      trustedProxyHops: options.trustedProxyHops ?? 0,
      signInRateLimit: createSignInRateLimit(),
      // startControlPlane replaces the placeholder with the listening URL when no public URL is given.
      publicUrl: options.publicUrl ?? 'http://127.0.0.1:4000',
      mailer: options.smtpUrl ? createSmtpMailer(options.smtpUrl, options.mailFrom ?? undefined) : null,
    };
    const services: AppServices = {
      prisma: database.prisma,
      publisher,
      adminJwt,
      byokKeyring,
      identity,
      allowPrivateUpstreams: options.allowPrivateUpstreams ?? false,
      orgCreation: options.orgCreation ?? 'platform-admins',
      graphqlIntrospection: options.graphqlIntrospection ?? false,
      logger,
      metrics,
      metricsToken: options.metricsToken ?? null,
    };
    return {
      services,
      publicJwk: keys.publicJwk,
      adminToken: seed.adminToken,
      dataPlaneToken: seed.dataPlaneToken,
      dataPlaneEncryptionKeyFile: dataPlaneEncryption.privateKeyFile,
      devApiKey: seed.devApiKey,
      handler: createHttpHandler(services),
      async close() {
        await publisher.close();
        await budgetAlerts.close();
        await metrics.spans?.shutdown();
        await database.close();
      },
    };
  } catch (error) {
    await database.close();
    throw error;
  }
}

export async function startControlPlane(options: ControlPlaneOptions & { port: number; host?: string }): Promise<ControlPlane> {
  const host = options.host ?? '127.0.0.1';
  const app = await createControlPlaneApp(options);
  const server = createServer(app.handler);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await app.close();
    throw error;
  }
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  if (!options.publicUrl) app.services.identity.publicUrl = url;
  const logger = options.logger ?? silentLogger;
  logger.info({ url }, `control plane listening on ${url} (GraphQL /graphql, tRPC /trpc)`);
  const adminPassword = await firstStartPasswordLink(app.services.prisma, app.services.identity.publicUrl, ADMIN_EMAIL);
  if (adminPassword) logger.info(`${ADMIN_EMAIL} has no password yet; set it once (link valid 24 hours): ${adminPassword.link}`);
  return {
    url,
    port,
    publicJwk: app.publicJwk,
    dataPlaneToken: app.dataPlaneToken,
    dataPlaneEncryptionKeyFile: app.dataPlaneEncryptionKeyFile,
    adminToken: app.adminToken,
    devApiKey: app.devApiKey,
    adminPasswordLink: adminPassword?.link ?? null,
    prisma: app.services.prisma,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Ending the publisher ends every snapshot subscription, so their SSE responses finish.
      await app.services.publisher.close();
      server.closeAllConnections();
      await closed;
      await app.close();
    },
  };
}
