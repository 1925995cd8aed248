// The few raw-SQL operations the database layer needs below Prisma (migrations, LISTEN/NOTIFY),
// implemented once for PGlite and once for node-postgres.

export interface SqlSession {
  /** One parameterised statement. */
  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<Row[]>;
  /** A script of several statements, no parameters (a migration file). */
  exec(sql: string): Promise<void>;
}
