import { ensurePgliteTemplate } from './pglite-template.ts';
import { ensurePostgresTemplate } from './test-database.ts';

// Says up front which optional suites this run skips, so a green run on a bare machine is not
// mistaken for a run that covered PostgreSQL; and prepares the templates the suites copy (PGlite's, and
// PostgreSQL's when TEST_DATABASE_URL is set).
export default async function globalSetup(): Promise<void> {
  if (!process.env.TEST_DATABASE_URL) {
    process.stdout.write('Skipping the PostgreSQL runs of the database suites: TEST_DATABASE_URL is not set (they run on PGlite only).\n');
  }
  await Promise.all([ensurePgliteTemplate(), ensurePostgresTemplate()]);
}
