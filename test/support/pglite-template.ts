// Creating a PGlite database runs initdb inside WebAssembly: about 18 s on our 2-core machines, while
// reopening an existing folder takes about 1.5 s. Tests therefore copy one freshly initialised
// template folder instead of initialising a database per suite. Applying the migrations to a fresh
// database costs most of what is left (about 15 s of a PGlite open at load 14, against 3.6 s for a
// migrated one), so most suites copy a second template that has them applied already, as
// `runMigrations` applies them; the suites that test the migrations themselves (and `npm start`, run
// as a newcomer runs it) copy the bare one.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { cp, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { MIGRATIONS_DIR, runMigrations } from '../../control-plane/src/db/run-migrations.ts';

// The template is per PGlite version: another version may not read this one's folder.
const pgliteVersion = (
  JSON.parse(readFileSync(new URL('../../node_modules/@electric-sql/pglite/package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/**
 * A digest of the migrations (names and contents): a migrated template is per set of migrations, so a
 * new or edited migration gets a new template (and `runMigrations` never sees an edited checksum).
 */
export const migrationsDigest = (() => {
  const hash = createHash('sha256');
  const names = readdirSync(MIGRATIONS_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  for (const name of names) hash.update(`${name}\n`).update(readFileSync(join(MIGRATIONS_DIR, name, 'migration.sql')));
  return hash.digest('hex').slice(0, 16);
})();

export const pgliteTemplateDir = join(tmpdir(), `gateway-pglite-template-${pgliteVersion}`);
export const migratedPgliteTemplateDir = join(tmpdir(), `gateway-pglite-migrated-${pgliteVersion}-${migrationsDigest}`);

/** Makes both templates (bare, then migrated) when they are not there yet. */
export async function ensurePgliteTemplate(): Promise<void> {
  if (!(await exists(pgliteTemplateDir))) {
    const building = await mkdtemp(join(tmpdir(), 'gateway-pglite-template-building-'));
    const database = await PGlite.create(building);
    await database.close();
    // Another run may have finished first; either copy is a valid template.
    await rename(building, pgliteTemplateDir).catch(() => rm(building, { recursive: true, force: true }));
  }
  if (!(await exists(migratedPgliteTemplateDir))) {
    const building = await mkdtemp(join(tmpdir(), 'gateway-pglite-migrated-building-'));
    await cp(pgliteTemplateDir, building, { recursive: true });
    const database = await PGlite.create(building);
    try {
      await runMigrations({
        query: async (sql, params) => (await database.query<never>(sql, params)).rows,
        exec: async (sql) => void (await database.exec(sql)),
      });
    } finally {
      await database.close();
    }
    await rename(building, migratedPgliteTemplateDir).catch(() => rm(building, { recursive: true, force: true }));
  }
}

/**
 * Copies a template into `directory` (which must not exist yet) when it is there: the migrated one
 * unless `migrated` is false.
 */
export async function copyPgliteTemplate(directory: string, options: { migrated?: boolean } = {}): Promise<boolean> {
  const template = options.migrated === false ? pgliteTemplateDir : migratedPgliteTemplateDir;
  if (!(await exists(template))) return false;
  await cp(template, directory, { recursive: true });
  return true;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
