// Every program's --help names every environment variable the program reads and every route it serves,
// so the help cannot fall behind the code: both are found by reading the program's sources. The reads
// take three forms (process.env.NAME, the admin CLI's io.env.NAME, and the helpers listed in
// DYNAMIC_READS, which read a name passed to them); a read in any other form fails the test until it is
// taught here. Routes come from the planes' route tables (ROUTE_TABLES).
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { catalogProviders } from '../control-plane/src/services/catalog-import/catalog-providers.ts';

const ROOT = join(import.meta.dirname, '..');

/** `process.env[...]` reads whose name comes from elsewhere, and where that name is found instead. */
const DYNAMIC_READS: Record<string, { read: string; names: 'call-sites' | 'provider-keys' }> = {
  'data-plane/src/main.ts': { read: 'process.env[name]', names: 'call-sites' },
  'scripts/start.ts': { read: 'process.env[name]', names: 'call-sites' },
  // The variable a provider record names for the platform key (apiKeyEnv).
  'data-plane/src/pipeline/provider-keys.ts': { read: 'process.env[name]', names: 'provider-keys' },
};
/** The helpers whose first argument is the variable's name, in the files above. */
const NAME_ARGUMENT = /\b(?:numberFromEnv|port)\('([A-Z][A-Z0-9_]*)'/g;

/** Where each plane's routes are registered, and how a route reads there. */
const ROUTE_TABLES = {
  // app.post(`${prefix}/chat/completions`, …) for /v1, /api/gateway and /api/gateway/v1, app.get('/healthz', …)
  'data plane': { file: 'data-plane/src/create-app.ts', route: /\bapp\.(?:get|post|put|patch|del)\(\s*(?:`\$\{prefix\}([^`]+)`|'([^']+)')/g },
  // if (path === '/graphql') …
  'control plane': { file: 'control-plane/src/create-http-handler.ts', route: /\bpath === '([^']+)'/g },
} as const;

/** The paths a plane serves, as its --help should write them (prefixed ones under /v1; the help says /api/gateway and /api/gateway/v1 too). */
function routesOf(plane: keyof typeof ROUTE_TABLES): string[] {
  const { file, route } = ROUTE_TABLES[plane];
  const routes = [...readFileSync(join(ROOT, file), 'utf8').matchAll(route)].map((match) =>
    match[1] !== undefined && plane === 'data plane' ? `/v1${match[1]}` : (match[1] ?? match[2]!),
  );
  expect(routes.length, `no routes found in ${file}: teach test/help.test.ts how it registers them`).toBeGreaterThan(2);
  return routes;
}

interface Program {
  name: string;
  command: string[];
  /** The planes whose routes this program serves. */
  planes: Array<keyof typeof ROUTE_TABLES>;
  /** Source folders and files whose environment reads are the program's (tests and test fixtures excluded). */
  sources: string[];
  /** Files and folders under `sources` that belong to other programs. */
  others: string[];
}

const PLANE_MAINS = ['data-plane/src/main.ts', 'control-plane/src/main.ts'];
const programs: Program[] = [
  {
    name: 'npm start',
    command: ['scripts/start.ts'],
    planes: ['data plane', 'control plane'],
    sources: ['scripts/start.ts', 'data-plane/src', 'control-plane/src', 'shared/src'],
    others: [...PLANE_MAINS, 'control-plane/src/cli'],
  },
  { name: 'data plane', command: ['data-plane/src/main.ts'], planes: ['data plane'], sources: ['data-plane/src', 'shared/src'], others: [] },
  {
    name: 'control plane',
    command: ['control-plane/src/main.ts'],
    planes: ['control plane'],
    sources: ['control-plane/src', 'shared/src'],
    others: ['control-plane/src/cli'],
  },
  { name: 'admin CLI', command: ['control-plane/src/cli/admin.ts'], planes: [], sources: ['control-plane/src/cli'], others: [] },
];

function sourceFiles(path: string): string[] {
  const absolute = join(ROOT, path);
  if (path.endsWith('.ts')) return [absolute];
  return readdirSync(absolute, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts'))
    .map((entry) => join(entry.parentPath, entry.name))
    .filter((file) => !relative(ROOT, file).split('/').includes('testing'));
}

/** The variables a program's sources read, and whether they read a provider's platform key. */
function variablesRead(program: Program): { names: Set<string>; providerKeys: boolean } {
  const names = new Set<string>();
  let providerKeys = false;
  const files = program.sources.flatMap(sourceFiles).filter((file) => !program.others.some((other) => `${relative(ROOT, file)}/`.startsWith(`${other}/`)));
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/\b(?:process|io)\.env\.([A-Z][A-Z0-9_]*)/g)) names.add(match[1]!);
    const dynamic = [...text.matchAll(/\bprocess\.env\[[^\]]*\]/g)].map((match) => match[0]);
    if (dynamic.length === 0) continue;
    const known = DYNAMIC_READS[relative(ROOT, file)];
    expect(known, `${relative(ROOT, file)} reads ${dynamic.join(', ')}: teach test/help.test.ts where its names are`).toBeDefined();
    expect(new Set(dynamic)).toEqual(new Set([known!.read]));
    if (known!.names === 'provider-keys') providerKeys = true;
    else for (const match of text.matchAll(NAME_ARGUMENT)) names.add(match[1]!);
  }
  return { names, providerKeys };
}

const helpTexts = new Map<string, Promise<string>>();
/** The program's --help output, run once per program. */
function help(program: Program): Promise<string> {
  let text = helpTexts.get(program.name);
  if (text === undefined) {
    text = promisify(execFile)(process.execPath, ['--import', 'tsx', ...program.command, '--help'], { cwd: ROOT }).then(({ stdout }) => stdout);
    helpTexts.set(program.name, text);
  }
  return text;
}

describe.each(programs)('$name --help', (program) => {
  it('names every environment variable the program reads', async () => {
    const text = await help(program);
    const { names, providerKeys } = variablesRead(program);
    expect(names.size).toBeGreaterThan(0);
    const missing = [...names].filter((name) => !new RegExp(`\\b${name}\\b`).test(text));
    expect(missing, `${program.name} --help does not mention them`).toEqual([]);
    if (providerKeys) {
      const keys = catalogProviders.map((provider) => provider.apiKeyEnv);
      expect(
        keys.filter((name) => !text.includes(name)),
        `${program.name} --help does not name these platform keys of the catalog's providers`,
      ).toEqual([]);
    }
  });
});

describe.each(programs.filter((program) => program.planes.length > 0))('$name --help', (program) => {
  it('names every route the program serves', async () => {
    const text = await help(program);
    const routes = program.planes.flatMap(routesOf);
    const missing = routes.filter((route) => !new RegExp(`${route.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w/])`).test(text));
    expect(missing, `${program.name} --help does not list them`).toEqual([]);
    if (program.planes.includes('data plane')) expect(text).toContain('/api/gateway/v1');
  });
});
