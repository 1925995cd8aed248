// First start: a usable gateway with no setup (a dev org, its owner, a key, the simulator and the
// imported catalog of real providers and models). Later starts find the seed and change nothing.
// Plaintext secrets are handed over through owner-only files in the data folder, since the database
// keeps only their hashes.
import { join } from 'node:path';
import { API_KEY_PREFIX, generateSecret, hashSecret } from '../../../shared/src/crypto.ts';
import { DATA_PLANE_TOKEN_PREFIX } from '../../../shared/src/data-plane-channel.ts';
import { ADMIN_TOKEN_PREFIX } from './admin-tokens.ts';
import { recordAudit } from './audit.ts';
import { upsertModel, upsertProvider } from './catalog.ts';
import { importCatalog } from './catalog-import/import-catalog.ts';
import { appendLedgerEntries } from './ledger.ts';
import { readOptionalFile, writePrivateFile } from './secret-files.ts';
import type { ServiceContext } from './service-context.ts';

const DEFAULT_SIMULATOR_BASE_URL = 'http://127.0.0.1:4010/v1';
const DEV_ORG_NAME = 'Dev Org';
/** The seeded platform admin, who starts without a password (app.ts prints a link to set one). */
export const ADMIN_EMAIL = 'admin@localhost';
/** $10 of credit, so the dev org can spend from its first request. */
const DEV_GRANT_MICROS = 10_000_000n;
/** $0.15 / $0.60 per million tokens. */
const DEV_PRICES = { prompt: 150, completion: 600 };

export interface SeedOptions {
  dataDir: string;
  simulatorBaseUrl?: string;
}

export interface SeedResult {
  /** False when an earlier start had already seeded this database. */
  created: boolean;
  /** Plaintext dev API key; only when created (it is stored nowhere else but <dataDir>/dev-key). */
  devApiKey: string | null;
  adminToken: string;
  dataPlaneToken: string;
}

function seedFilePaths(dataDir: string) {
  return {
    devKey: join(dataDir, 'dev-key'),
    adminToken: join(dataDir, 'admin-token'),
    dataPlaneToken: join(dataDir, 'data-plane-token'),
  };
}

export async function seedDatabase(context: ServiceContext, options: SeedOptions): Promise<SeedResult> {
  const paths = seedFilePaths(options.dataDir);
  const existingAdmin = await context.prisma.user.findUnique({ where: { email: ADMIN_EMAIL } });
  let devApiKey: string | null = null;
  if (!existingAdmin) {
    await seedCatalog(context, options.simulatorBaseUrl ?? DEFAULT_SIMULATOR_BASE_URL);
    devApiKey = await seedDevOrg(context);
    await writePrivateFile(paths.devKey, devApiKey + '\n');
  }
  const admin = existingAdmin ?? (await context.prisma.user.findUniqueOrThrow({ where: { email: ADMIN_EMAIL } }));
  const adminToken = await ensureTokenFile(
    paths.adminToken,
    ADMIN_TOKEN_PREFIX,
    async (hash) => (await context.prisma.adminToken.findUnique({ where: { tokenHash: hash } }))?.revokedAt === null,
    (hash) =>
      context.prisma.$transaction(async (transaction) => {
        const row = await transaction.adminToken.create({ data: { userId: admin.id, name: 'seed', tokenHash: hash } });
        await recordAudit(transaction, context.actor, { action: 'admin-token.create', target: `admin-token:${row.id}`, details: { userId: admin.id } });
      }),
  );
  const dataPlaneToken = await ensureTokenFile(
    paths.dataPlaneToken,
    DATA_PLANE_TOKEN_PREFIX,
    async (hash) => (await context.prisma.dataPlaneToken.findUnique({ where: { tokenHash: hash } }))?.revokedAt === null,
    (hash) =>
      context.prisma.$transaction(async (transaction) => {
        const row = await transaction.dataPlaneToken.create({ data: { name: 'seed', tokenHash: hash } });
        await recordAudit(transaction, context.actor, { action: 'data-plane-token.create', target: `data-plane-token:${row.id}` });
      }),
  );
  return { created: devApiKey !== null, devApiKey, adminToken, dataPlaneToken };
}

async function seedCatalog(context: ServiceContext, simulatorBaseUrl: string): Promise<void> {
  await upsertProvider(context, { slug: 'simulator', baseUrl: simulatorBaseUrl, apiKeyEnv: null });
  await upsertModel(context, {
    id: 'simulator/echo',
    name: 'Simulator Echo',
    endpoint: { providerSlug: 'simulator', upstreamModel: 'echo', prices: DEV_PRICES },
  });
  // The real providers and models come from the bundled price and model data, not from this file.
  await importCatalog(context);
}

/** The admin user, its org, the owner membership, a grant and the `dev` key, all or nothing. */
async function seedDevOrg(context: ServiceContext): Promise<string> {
  const devApiKey = generateSecret(API_KEY_PREFIX);
  const orgId = await context.prisma.$transaction(async (transaction) => {
    const user = await transaction.user.create({ data: { email: ADMIN_EMAIL, name: 'Admin', isPlatformAdmin: true } });
    const org = await transaction.organization.create({ data: { name: DEV_ORG_NAME } });
    await transaction.membership.create({ data: { orgId: org.id, userId: user.id, role: 'owner' } });
    await appendLedgerEntries(transaction, [{ orgId: org.id, kind: 'grant', amountMicros: DEV_GRANT_MICROS, note: 'dev seed' }]);
    const key = await transaction.apiKey.create({
      data: { orgId: org.id, userId: user.id, name: 'dev', keyHash: hashSecret(devApiKey), prefix: API_KEY_PREFIX, last4: devApiKey.slice(-4) },
    });
    await recordAudit(transaction, context.actor, {
      action: 'seed.create',
      target: `org:${org.id}`,
      orgId: org.id,
      details: { userId: user.id, apiKeyId: key.id },
    });
    return org.id;
  });
  context.snapshotChanged();
  context.snapshotChanged({ spendOf: [orgId] });
  return devApiKey;
}

/**
 * The token in `path` when it is still valid; otherwise a new one is minted, stored (as a hash) and
 * written to `path`. This also recovers a data folder whose token files were lost.
 */
async function ensureTokenFile(
  path: string,
  prefix: string,
  isValid: (hash: string) => Promise<boolean>,
  store: (hash: string) => Promise<void>,
): Promise<string> {
  const existing = await readOptionalFile(path);
  if (existing && (await isValid(hashSecret(existing)))) return existing;
  const token = generateSecret(prefix);
  await store(hashSecret(token));
  await writePrivateFile(path, token + '\n');
  return token;
}
