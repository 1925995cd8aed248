// The batched stdout loses no line a process logged: on process.exit (the 'exit' handler writes the
// batch still in memory) and after logger.flush(cb) (it calls back once everything is written, so even
// a SIGKILL right after loses nothing).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const LOGGER = resolve(import.meta.dirname, 'logger.ts');

/** Runs `body` in a child process with `logger` made by createLogger; resolves with its stdout lines (and what it reported on stderr). */
async function run(body: string): Promise<{ lines: Array<{ msg: string; n?: number }>; signal: string | null; writes: number[] }> {
  const script = `import { createLogger } from ${JSON.stringify(LOGGER)};\nconst logger = createLogger('test');\n${body}`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let errors = '';
  child.stdout.on('data', (data: Buffer) => (output += data.toString()));
  child.stderr.on('data', (data: Buffer) => (errors += data.toString()));
  const [, signal] = (await once(child, 'close')) as [number | null, string | null];
  const lines = output
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { msg: string; n?: number });
  // A script may report on stderr, as JSON: the sizes of its stdout writes.
  const writes = errors.startsWith('[') ? (JSON.parse(errors) as number[]) : [];
  return { lines, signal, writes };
}

describe('batched stdout', () => {
  it('writes the lines still in memory when the process exits at once', async () => {
    // Fewer than a batch: all of them are still in memory at the exit (a batch already being written
    // when a process exits abruptly may land after them).
    const { lines } = await run(`for (let n = 0; n < 100; n++) logger.info({ n }, 'line');\nprocess.exit(0);`);
    expect(lines.map((line) => line.n)).toEqual(Array.from({ length: 100 }, (_, n) => n));
  });

  it('hands stdout batches of at most 64 KiB (a bigger string is a large object, paged in each time), losing no line', async () => {
    // 256 lines of ~1 KiB (one batch by count) would be one ~270 KB write; every fs.write is measured.
    const { lines, writes } = await run(
      `const { default: fs } = await import('node:fs');\nconst write = fs.write;\nconst sizes = [];\nfs.write = function (fd, data, ...rest) { if (fd === 1) sizes.push(Buffer.byteLength(data)); return write.call(this, fd, data, ...rest); };\nfor (let n = 0; n < 256; n++) logger.info({ n, padding: 'x'.repeat(1000) }, 'line');\nlogger.flush(() => process.stderr.write(JSON.stringify(sizes)));`,
    );
    expect(lines.map((line) => line.n)).toEqual(Array.from({ length: 256 }, (_, n) => n));
    expect(writes.length).toBeGreaterThan(1);
    for (const bytes of writes) expect(bytes).toBeLessThanOrEqual(64 * 1024);
  });

  it('calls back from flush once every line is written: a SIGKILL right after loses none', async () => {
    const { lines, signal } = await run(`for (let n = 0; n < 500; n++) logger.info({ n }, 'line');\nlogger.flush(() => process.kill(process.pid, 'SIGKILL'));`);
    expect(signal).toBe('SIGKILL');
    expect(lines.map((line) => line.n)).toEqual(Array.from({ length: 500 }, (_, n) => n));
  });
});
