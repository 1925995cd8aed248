// PostgreSQL ends the control plane's connections (a restart, a failover, an operator's
// pg_terminate_backend): the control plane keeps running, its next queries open new connections, and the
// LISTEN connection comes back, says that notifications may have been missed, and hears the next one.
// Before, an idle pooled connection's end was an uncaught 'error' event that stopped the process.
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openDatabase, type Database } from './open-database.ts';
import { createTestDatabase, testEngines, type TestDatabase } from '../../../test/support/test-database.ts';

const CHANNEL = 'gw_connection_loss_test';

describe.skipIf(!testEngines.includes('postgresql'))('PostgreSQL ending the control plane connections', () => {
  let testDatabase: TestDatabase;
  let database: Database;
  const warnings: string[] = [];

  beforeAll(async () => {
    testDatabase = await createTestDatabase('postgresql');
    database = await openDatabase({
      dataDir: join(testDatabase.dataDir, 'pglite'),
      databaseUrl: testDatabase.databaseUrl,
      warn: (line) => warnings.push(line),
    });
  });
  afterAll(async () => {
    await database?.close();
    await testDatabase?.drop();
  });

  test('queries and LISTEN work again after the server terminated every connection', async () => {
    const payloads: string[] = [];
    let missed = 0;
    if (!database.listen) throw new Error('PostgreSQL can LISTEN');
    await database.listen(
      CHANNEL,
      (payload) => payloads.push(payload),
      () => (missed += 1),
    );
    // A pooled connection, left idle in the pool.
    expect(await database.prisma.$queryRaw<Array<{ one: number }>>`SELECT 1 AS one`).toEqual([{ one: 1 }]);

    const admin = new pg.Client({ connectionString: testDatabase.databaseUrl });
    await admin.connect();
    try {
      const terminated = await admin.query<{ ended: boolean }>(
        'SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
      );
      // The LISTEN connection and the idle pooled one, at least.
      expect(terminated.rows.filter((row) => row.ended).length).toBeGreaterThanOrEqual(2);

      await expect.poll(() => missed, { timeout: 30_000 }).toBe(1);
      // Each backend ends when it handles the signal: on a loaded machine the LISTEN connection can be back
      // before the idle pooled connection has ended, so its warning is waited for too.
      await expect.poll(() => warnings.some((line) => line.includes('an idle pooled connection ended')), { timeout: 30_000 }).toBe(true);
      expect(warnings.some((line) => line.includes('the LISTEN connection is back'))).toBe(true);

      await admin.query(`NOTIFY ${CHANNEL}, 'after the loss'`);
      await expect.poll(() => payloads, { timeout: 30_000 }).toContain('after the loss');
    } finally {
      await admin.end();
    }
    expect(await database.prisma.$queryRaw<Array<{ one: number }>>`SELECT 1 AS one`).toEqual([{ one: 1 }]);
  });
});
