// Which databases a suite runs on: always the embedded PGlite, and PostgreSQL when TEST_DATABASE_URL
// is set (CI sets it). Each PostgreSQL run gets a database of its own, dropped afterwards.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface DatabaseTarget {
  name: 'pglite' | 'postgresql';
  /** Creates an empty database; undefined url = embedded PGlite in the data dir. */
  create(): Promise<{ url: string | undefined; drop(): Promise<void> }>;
}

const pglite: DatabaseTarget = {
  name: 'pglite',
  create: async () => ({ url: undefined, drop: async () => {} }),
};

function postgresql(adminUrl: string): DatabaseTarget {
  return {
    name: 'postgresql',
    async create() {
      const name = `gw_test_${randomBytes(6).toString('hex')}`;
      const admin = new pg.Client({ connectionString: adminUrl });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${name}`);
      await admin.end();
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      return {
        url: url.toString(),
        async drop() {
          const client = new pg.Client({ connectionString: adminUrl });
          await client.connect();
          await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
          await client.end();
        },
      };
    },
  };
}

export const databaseTargets: DatabaseTarget[] = process.env.TEST_DATABASE_URL
  ? [pglite, postgresql(process.env.TEST_DATABASE_URL)]
  : [pglite];
