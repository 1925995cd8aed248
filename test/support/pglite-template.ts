// Creating a PGlite database runs initdb inside WebAssembly: about 18 s on our 2-core machines, while
// reopening an existing folder takes about 1.5 s. Tests therefore copy one freshly initialised
// template folder instead of initialising a database per suite.
import { readFileSync } from 'node:fs';
import { cp, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';

// The template is per PGlite version: another version may not read this one's folder.
const pgliteVersion = (
  JSON.parse(readFileSync(new URL('../../node_modules/@electric-sql/pglite/package.json', import.meta.url), 'utf8')) as { version: string }
).version;

export const pgliteTemplateDir = join(tmpdir(), `gateway-pglite-template-${pgliteVersion}`);

export async function ensurePgliteTemplate(): Promise<void> {
  if (await exists(pgliteTemplateDir)) return;
  const building = await mkdtemp(join(tmpdir(), 'gateway-pglite-template-building-'));
  const database = await PGlite.create(building);
  await database.close();
  // Another run may have finished first; either copy is a valid template.
  await rename(building, pgliteTemplateDir).catch(() => rm(building, { recursive: true, force: true }));
}

/** Copies the template into `directory` (which must not exist yet) when the template is there. */
export async function copyPgliteTemplate(directory: string): Promise<boolean> {
  if (!(await exists(pgliteTemplateDir))) return false;
  await cp(pgliteTemplateDir, directory, { recursive: true });
  return true;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
