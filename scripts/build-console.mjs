// Builds the admin console (console/ → console/dist) with Vite. Run by `npm install` (postinstall), by
// `npm start` with --if-stale (only when a console source is newer than the build, e.g. after a pull
// without an install) and by `npm run build:console`. A production install without devDependencies has
// no Vite: it says so and leaves the control plane to answer `/` with how to build it.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

process.chdir(fileURLToPath(new URL('..', import.meta.url)));

const require = createRequire(import.meta.url);
const sources = ['console/src', 'console/index.html', 'console/vite.config.ts', 'package-lock.json'];
const built = 'console/dist/index.html';

function newestChange(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newestChange(join(path, name))));
}

if (process.argv.includes('--if-stale') && existsSync(built) && statSync(built).mtimeMs >= Math.max(...sources.map(newestChange))) process.exit(0);
try {
  require.resolve('vite');
} catch {
  console.log('build-console: vite is not installed (production install); the console is not built');
  process.exit(0);
}
const { build } = await import('vite');
await build({ configFile: 'console/vite.config.ts', logLevel: 'warn' });
console.log('build-console: the admin console is built in console/dist');
