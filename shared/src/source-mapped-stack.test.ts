// Under tsx, once a plane formats stacks unmapped, Node formats an error's stack without a source-map
// lookup (what its stream destroy does for every peer-closed upstream connection), and the logger still
// writes the stack at the TypeScript line.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const LOGGER = resolve(import.meta.dirname, 'logger.ts');
const STACKS = resolve(import.meta.dirname, 'source-mapped-stack.ts');

/** Runs `body` under tsx with an error thrown in logger.ts (`error`) and a logger writing to `lines`; resolves with what it printed. */
async function run(body: string): Promise<{ stack: string; logged: string }> {
  const script = [
    `import { createLogger, logLevelFromEnv } from ${JSON.stringify(LOGGER)};`,
    `import { formatStacksUnmapped } from ${JSON.stringify(STACKS)};`,
    body,
    `let error; try { logLevelFromEnv('loud'); } catch (thrown) { error = thrown; }`,
    `const lines = [];`,
    `createLogger('test', { destination: { write: (line) => lines.push(line) } }).error({ err: error }, 'failed');`,
    `console.log(JSON.stringify({ stack: error.stack, logged: JSON.parse(lines[0]).err.stack }));`,
  ].join('\n');
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (data: Buffer) => (output += data.toString()));
  await once(child, 'close');
  return JSON.parse(output) as { stack: string; logged: string };
}

/** `logger.ts:<line>:` of the throw in logLevelFromEnv, as a source-mapped stack names it. */
async function throwSite(): Promise<string> {
  const lines = (await readFile(LOGGER, 'utf8')).split('\n');
  return `logger.ts:${lines.findIndex((line) => line.includes('throw new Error(`LOG_LEVEL must be')) + 1}:`;
}

describe('source-mapped stacks', () => {
  it('formats stacks without the source maps once a plane asks, and logs them at the TypeScript line', async () => {
    const site = await throwSite();
    const { stack, logged } = await run('formatStacksUnmapped();');
    expect(stack).toContain('logger.ts:');
    expect(stack).not.toContain(site);
    expect(logged.split('\n')[1]).toContain(site);
  });

  it('prints the stack of an uncaught error at the TypeScript line', async () => {
    const script = [
      `import { logLevelFromEnv } from ${JSON.stringify(LOGGER)};`,
      `import { formatStacksUnmapped } from ${JSON.stringify(STACKS)};`,
      `formatStacksUnmapped();`,
      `logLevelFromEnv('loud');`,
    ].join('\n');
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'ignore', 'pipe'] });
    let errors = '';
    child.stderr.on('data', (data: Buffer) => (errors += data.toString()));
    await once(child, 'close');
    expect(errors).toContain('LOG_LEVEL must be');
    expect(errors).toContain(await throwSite());
  });

  it('logs a stack Node already mapped as it is', async () => {
    const site = await throwSite();
    const { stack, logged } = await run('');
    expect(stack.split('\n')[1]).toContain(site);
    expect(logged).toBe(stack);
  });
});
