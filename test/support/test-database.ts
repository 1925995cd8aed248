// A fresh, isolated database per test file, on PGlite always and on PostgreSQL when TEST_DATABASE_URL
// is set (a new `gw_test_<random>` database is created and dropped afterwards). Both start with the
// migrations applied (copied from a template that has them, see pglite-template.ts) unless the suite
// asks for a bare one.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { runMigrations } from '../../control-plane/src/db/run-migrations.ts';
import { copyPgliteTemplate, migrationsDigest } from './pglite-template.ts';

export type TestEngine = 'pglite' | 'postgresql';

export interface TestDatabase {
  /** A fresh folder: the PGlite data (for pglite) and anything else a test wants to write. */
  dataDir: string;
  databaseUrl: string | undefined;
  drop(): Promise<void>;
}

const testDatabaseUrl = process.env.TEST_DATABASE_URL;

/** The engines to run database tests on; PostgreSQL is listed only when TEST_DATABASE_URL is set. */
export const testEngines: TestEngine[] = testDatabaseUrl ? ['pglite', 'postgresql'] : ['pglite'];

/** The PostgreSQL database the migrated test databases are copied from (CREATE DATABASE … TEMPLATE). */
const POSTGRES_TEMPLATE = `gw_template_${migrationsDigest}`;

/** `migrated: false`: no migration applied yet (for the suites that test the migrations). */
export async function createTestDatabase(engine: TestEngine, options: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const migrated = options.migrated !== false;
  const dataDir = await mkdtemp(join(tmpdir(), 'gw-control-plane-'));
  if (engine === 'pglite') {
    // The control plane keeps PGlite's data in <dataDir>/pglite.
    await copyPgliteTemplate(join(dataDir, 'pglite'), { migrated });
    return { dataDir, databaseUrl: undefined, drop: () => rm(dataDir, { recursive: true, force: true }) };
  }
  if (!testDatabaseUrl) throw new Error('TEST_DATABASE_URL is not set');
  const name = `gw_test_${randomBytes(6).toString('hex')}`;
  const template = migrated && (await ensurePostgresTemplate()) ? ` TEMPLATE ${POSTGRES_TEMPLATE}` : '';
  await withAdminClient((client) => client.query(`CREATE DATABASE ${name}${template}`));
  return {
    dataDir,
    databaseUrl: databaseUrlFor(name),
    async drop() {
      await withAdminClient((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

let postgresTemplate: Promise<boolean> | undefined;

/**
 * Makes the migrated PostgreSQL template once per set of migrations (its name carries their digest):
 * built under a random name, migrated, then renamed, so a database is never copied from a half-built
 * template and two runs racing to build it both end with one. True once it exists.
 */
export function ensurePostgresTemplate(): Promise<boolean> {
  postgresTemplate ??= (async () => {
    if (!testDatabaseUrl) return false;
    const exists = async () =>
      withAdminClient((client) => client.query('SELECT 1 FROM pg_database WHERE datname = $1', [POSTGRES_TEMPLATE])).then((result) => result.rowCount === 1);
    if (await exists()) return true;
    const building = `gw_template_building_${randomBytes(6).toString('hex')}`;
    await withAdminClient((client) => client.query(`CREATE DATABASE ${building}`));
    const session = new pg.Client({ connectionString: databaseUrlFor(building) });
    await session.connect();
    try {
      await runMigrations({
        query: async (sql, params) => (await session.query(sql, params)).rows as never[],
        exec: async (sql) => void (await session.query(sql)),
      });
    } finally {
      await session.end();
    }
    await withAdminClient((client) => client.query(`ALTER DATABASE ${building} RENAME TO ${POSTGRES_TEMPLATE}`)).catch(async (error: unknown) => {
      await withAdminClient((client) => client.query(`DROP DATABASE IF EXISTS ${building} WITH (FORCE)`));
      if (!(await exists())) throw error;
    });
    return true;
  })();
  return postgresTemplate;
}

function databaseUrlFor(name: string): string {
  const url = new URL(testDatabaseUrl!);
  url.pathname = `/${name}`;
  return url.toString();
}

async function withAdminClient<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: testDatabaseUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
