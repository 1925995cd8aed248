// Runs `prisma generate` without network: Prisma 7's client is Rust-free, but the CLI still wants a
// schema-engine binary on disk before it will generate, so point it at any existing file.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let cli;
try {
  cli = require.resolve('prisma/build/index.js');
} catch {
  console.log('prisma-generate: prisma CLI not installed (production install), skipping');
  process.exit(0);
}
const env = { ...process.env };
if (!env.PRISMA_SCHEMA_ENGINE_BINARY) env.PRISMA_SCHEMA_ENGINE_BINARY = process.execPath;
env.PRISMA_HIDE_UPDATE_MESSAGE = '1';
env.CHECKPOINT_DISABLE = '1';
// Generators such as prisma-pothos-types are looked up on PATH, as npm scripts would set it.
env.PATH = `${join(process.cwd(), 'node_modules', '.bin')}${delimiter}${env.PATH ?? ''}`;
if (!existsSync('control-plane/prisma/schema.prisma')) {
  console.log('prisma-generate: no schema yet, skipping');
  process.exit(0);
}
const result = spawnSync(process.execPath, [cli, 'generate'], { stdio: 'inherit', env });
process.exit(result.status ?? 1);
