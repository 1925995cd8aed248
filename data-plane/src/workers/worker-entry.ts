// The code a data-plane worker thread is started with (new Worker(source, { eval: true })). Built (dist/),
// it imports the worker's compiled module. Run from TypeScript sources (node --import tsx, tests), a
// worker would have to register tsx's loader for itself (a loader in its execArgv does not reach its
// imports on Node 20): a loader thread per worker, and every one of its ~200 modules resolved and loaded
// through it, which doubled each worker's start-up CPU (2.5 against 1.2 CPU-s measured) and made a
// two-worker data plane take ~8.5 CPU-s to listen against ~3.2 for one thread (now ~5.2); on a loaded machine that is
// minutes. So the main thread bundles the worker's own modules once with esbuild (the compiler tsx runs;
// ~0.1 s), packages left as imports, and each worker loads that one JavaScript file with source maps on,
// so stack traces still name the .ts lines.
//
// The bundle goes to node_modules/.cache/ (bare imports must resolve from where it is), in a directory
// named after its content, written under a temporary name and renamed, so data planes starting together
// share it and never read a half-written one. Older bundles are removed once no data plane can still be
// starting from them. When the cache cannot be written (a read-only install), the workers use tsx's
// loader as before: slower to start, the same code.
import { createHash } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Another bundle this old is no longer being started from (a data plane loads its bundle within seconds of writing it). */
const STALE_BUNDLE_MS = 60 * 60 * 1000;

const cacheDirectory = fileURLToPath(new URL('../../../node_modules/.cache/ai-gateway-workers/', import.meta.url));

/**
 * The worker source that runs `module` (a .ts file of this package from sources, its .js build otherwise).
 * `log` hears why the bundle could not be used.
 */
export async function workerEntrySource(module: URL, log: (line: string) => void): Promise<string> {
  if (!module.pathname.endsWith('.ts')) return `import(${JSON.stringify(module.href)})`;
  try {
    const bundle = await bundleOnce(module);
    return `process.setSourceMapsEnabled(true); import(${JSON.stringify(bundle.href)})`;
  } catch (error) {
    log(
      `data plane workers: could not bundle ${fileURLToPath(module)} into ${cacheDirectory} (${String(error)}); each worker loads it through tsx, which starts slower`,
    );
    return `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(module.href)}); })`;
  }
}

async function bundleOnce(module: URL): Promise<URL> {
  const { build } = await import('esbuild');
  const entry = fileURLToPath(module);
  const built = await build({
    entryPoints: [entry],
    bundle: true,
    // The tracer's lazy import stays a chunk of its own, so the OpenTelemetry SDK loads only when tracing is on.
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: `node${process.versions.node}`,
    packages: 'external',
    sourcemap: 'inline',
    // At the depth of the directory it is moved to, so the source maps' relative paths hold there.
    outdir: join(cacheDirectory, 'bundle'),
    entryNames: 'entry',
    chunkNames: 'chunk-[hash]',
    write: false,
    logLevel: 'silent',
  });
  const hash = createHash('sha256');
  for (const file of built.outputFiles) hash.update(basename(file.path)).update(file.contents);
  const name = hash.digest('hex').slice(0, 16);
  const directory = join(cacheDirectory, name);
  if (!(await exists(directory))) {
    const temporary = `${directory}.${process.pid}.tmp`;
    await rm(temporary, { recursive: true, force: true });
    await mkdir(temporary, { recursive: true });
    for (const file of built.outputFiles) await writeFile(join(temporary, basename(file.path)), file.contents);
    // Another data plane may have renamed the same bundle in place meanwhile: then its copy serves.
    await rename(temporary, directory).catch(() => rm(temporary, { recursive: true, force: true }));
  }
  await removeStaleBundles(name);
  return pathToFileURL(join(directory, 'entry.js'));
}

async function removeStaleBundles(current: string): Promise<void> {
  const now = Date.now();
  for (const name of await readdir(cacheDirectory)) {
    if (name === current) continue;
    const path = join(cacheDirectory, name);
    const modified = await stat(path).then(
      (found) => found.mtimeMs,
      () => now,
    );
    if (now - modified > STALE_BUNDLE_MS) await rm(path, { recursive: true, force: true });
  }
}

function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
