// Opens the control plane's database: embedded PGlite in a folder by default, PostgreSQL when a URL is
// given. Migrations run before Prisma sees the database. Also exposes LISTEN/NOTIFY, which both engines
// have, so replicas can tell each other that the snapshot must be recompiled.
import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '../../generated/prisma/client.ts';
import { runMigrations, type MigrationResult } from './run-migrations.ts';
import type { SqlSession } from './sql-session.ts';

export interface DatabaseOptions {
  /** PGlite data folder; used when no databaseUrl is given. */
  dataDir?: string;
  databaseUrl?: string;
  /** Where a lost PostgreSQL connection is reported; default nowhere. */
  warn?: (line: string) => void;
}

/** How long the LISTEN connection waits between tries to connect again. */
const LISTEN_RETRY_MS = 1_000;

/** The connection pool's counts, for the metrics (pg's own counters). */
export interface PoolStats {
  /** Connections open, idle or running a query. */
  total: number;
  idle: number;
  /** Queries waiting for a connection (the pool is at its maximum). */
  waiting: number;
  max: number;
}

export interface Database {
  prisma: PrismaClient;
  migrations: MigrationResult;
  engine: 'pglite' | 'postgresql';
  /** PostgreSQL's connection pool; null on PGlite (one embedded connection, no pool). */
  poolStats(): PoolStats | null;
  /**
   * Calls `onNotification` for every NOTIFY on `channel`, and `onMissed` when notifications may have been
   * lost (PostgreSQL's LISTEN connection was down and is back); returns the unsubscribe function. Null on
   * PGlite: only the one process that opened it uses an embedded database, so no replica can listen, and a
   * NOTIFY after every change (each ingested batch) would be work for no one.
   */
  listen: ((channel: string, onNotification: (payload: string) => void, onMissed?: () => void) => Promise<() => Promise<void>>) | null;
  close(): Promise<void>;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.databaseUrl) return openPostgres(options.databaseUrl, options.warn ?? (() => {}));
  if (!options.dataDir) throw new Error('openDatabase needs a dataDir or a databaseUrl');
  return openPglite(options.dataDir);
}

async function openPglite(dataDir: string): Promise<Database> {
  await mkdir(dataDir, { recursive: true });
  const pglite = await PGlite.create(dataDir);
  const session: SqlSession = {
    async query<Row>(sql: string, params?: unknown[]) {
      return (await pglite.query<Row>(sql, params)).rows;
    },
    async exec(sql) {
      await pglite.exec(sql);
    },
  };
  try {
    const migrations = await runMigrations(session);
    const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
    return {
      prisma,
      migrations,
      engine: 'pglite',
      poolStats: () => null,
      listen: null,
      async close() {
        await prisma.$disconnect();
        await pglite.close();
      },
    };
  } catch (error) {
    await pglite.close();
    throw error;
  }
}

async function openPostgres(databaseUrl: string, warn: (line: string) => void): Promise<Database> {
  // A dedicated session: the migration lock is session-scoped, and LISTEN must stay on one connection.
  let client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const session: SqlSession = {
    async query<Row>(sql: string, params?: unknown[]) {
      return (await client.query(sql, params)).rows as Row[];
    },
    async exec(sql) {
      await client.query(sql);
    },
  };
  const listeners = new Map<string, Set<(payload: string) => void>>();
  const missedListeners = new Set<() => void>();
  let closing = false;
  let reconnecting = false;
  // The server can end any connection (a restart, a failover, pg_terminate_backend), an 'error' event
  // that without a listener is an uncaught exception stopping the control plane. The LISTEN connection is
  // opened again and LISTENs on every channel again; what was notified meanwhile is lost, so onMissed.
  const watch = (listening: pg.Client) => {
    listening.on('notification', (message) => {
      for (const listener of listeners.get(message.channel) ?? []) listener(message.payload ?? '');
    });
    listening.on('error', (error) => {
      // A lost connection can report twice (the server's FATAL, then the socket's end): one reconnect.
      if (closing || listening !== client || reconnecting) return;
      reconnecting = true;
      warn(`database: the LISTEN connection failed (${error.message}); connecting again`);
      void reconnect().finally(() => (reconnecting = false));
    });
  };
  const reconnect = async () => {
    for (let attempt = 0; !closing; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, LISTEN_RETRY_MS));
      const next = new pg.Client({ connectionString: databaseUrl });
      // A failure while connecting is the rejection below.
      next.on('error', () => {});
      try {
        await next.connect();
        for (const channel of listeners.keys()) await next.query(`LISTEN ${next.escapeIdentifier(channel)}`);
      } catch (error) {
        await next.end().catch(() => {});
        if (attempt % 30 === 0) warn(`database: the LISTEN connection is still down (${String(error)}); retrying`);
        continue;
      }
      if (closing) return void (await next.end().catch(() => {}));
      next.removeAllListeners('error');
      client = next;
      watch(next);
      warn('database: the LISTEN connection is back');
      for (const onMissed of missedListeners) onMissed();
      return;
    }
  };
  watch(client);
  try {
    const migrations = await runMigrations(session);
    // Our own pool (pg's defaults, as the adapter would make) so the metrics can read its counts.
    const pool = new pg.Pool({ connectionString: databaseUrl });
    // An idle pooled connection the server ended: pg-pool drops it and the next query opens another.
    pool.on('error', (error) => warn(`database: an idle pooled connection ended (${error.message})`));
    const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
    return {
      prisma,
      migrations,
      engine: 'postgresql',
      poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max: pool.options.max }),
      async listen(channel, onNotification, onMissed) {
        if (onMissed) missedListeners.add(onMissed);
        let channelListeners = listeners.get(channel);
        if (!channelListeners) {
          channelListeners = new Set();
          listeners.set(channel, channelListeners);
          await client.query(`LISTEN ${client.escapeIdentifier(channel)}`);
        }
        channelListeners.add(onNotification);
        return async () => {
          channelListeners.delete(onNotification);
          if (onMissed) missedListeners.delete(onMissed);
        };
      },
      async close() {
        closing = true;
        await prisma.$disconnect();
        await pool.end();
        await client.end();
      },
    };
  } catch (error) {
    closing = true;
    await client.end();
    throw error;
  }
}
