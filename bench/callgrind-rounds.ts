// What the callgrind counters in bench/ share: each root (--root=A,B) counted alternately, --runs times,
// each run in a directory of its own (kept when KEEP_CALLGRIND is set), the load average printed with
// every count, and with --top=N the last run's top functions of the main thread (callgrind_annotate).
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { option } from './command-line-option.ts';
import { REPOSITORY_ROOT } from './targets.ts';

const run = promisify(execFile);

/** `count` counts one root into `directory` and says what it counted (`text`) and the counted process's pid. */
export async function countRounds(args: string[], count: (root: string, directory: string) => Promise<{ text: string; pid: number }>): Promise<void> {
  const roots = (option(args, 'root') ?? REPOSITORY_ROOT).split(',').map((root) => resolve(root));
  const runs = Number(option(args, 'runs') ?? 1);
  const top = Number(option(args, 'top') ?? 0);
  const load = () =>
    loadavg()
      .map((value) => value.toFixed(2))
      .join(' ');
  process.stdout.write(`load average ${load()}\n`);
  for (let round = 0; round < runs; round += 1) {
    for (const root of roots) {
      const directory = await mkdtemp(join(tmpdir(), 'callgrind-'));
      try {
        const { text, pid } = await count(root, directory);
        process.stdout.write(`${root}: ${text}; load average ${load()}\n`);
        if (top > 0 && round === runs - 1) {
          const { stdout } = await run(
            'sh',
            ['-c', `callgrind_annotate --inclusive=no ${directory}/callgrind.out.${pid}.1-01 2>/dev/null | head -${top + 25}`],
            {
              maxBuffer: 64 * 1024 * 1024,
            },
          );
          process.stdout.write(stdout);
        }
      } finally {
        if (process.env.KEEP_CALLGRIND === undefined) await rm(directory, { recursive: true, force: true });
        else process.stdout.write(`kept ${directory}\n`);
      }
    }
  }
}
