// A fresh, isolated database per test file, on PGlite always and on PostgreSQL when TEST_DATABASE_URL
// is set (a new `gw_test_<random>` database is created and dropped afterwards).
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { copyPgliteTemplate } from './pglite-template.ts';

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

export async function createTestDatabase(engine: TestEngine): Promise<TestDatabase> {
  const dataDir = await mkdtemp(join(tmpdir(), 'gw-control-plane-'));
  if (engine === 'pglite') {
    // The control plane keeps PGlite's data in <dataDir>/pglite.
    await copyPgliteTemplate(join(dataDir, 'pglite'));
    return { dataDir, databaseUrl: undefined, drop: () => rm(dataDir, { recursive: true, force: true }) };
  }
  if (!testDatabaseUrl) throw new Error('TEST_DATABASE_URL is not set');
  const name = `gw_test_${randomBytes(6).toString('hex')}`;
  await withAdminClient((client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(testDatabaseUrl);
  url.pathname = `/${name}`;
  return {
    dataDir,
    databaseUrl: url.toString(),
    async drop() {
      await withAdminClient((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function withAdminClient(work: (client: pg.Client) => Promise<unknown>): Promise<void> {
  const client = new pg.Client({ connectionString: testDatabaseUrl });
  await client.connect();
  try {
    await work(client);
  } finally {
    await client.end();
  }
}
