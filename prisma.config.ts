// Prisma 7 reads the schema location from here. No datasource URL: the CLI is only used to generate the
// client (migrations are applied by control-plane/src/db/run-migrations.ts through driver adapters).
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'control-plane/prisma/schema.prisma',
  migrations: { path: 'control-plane/prisma/migrations' },
});
