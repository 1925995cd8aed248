// Where a data plane's bytes are allocated, per request: the gateway target (fake control plane, usage
// spool on, pinned like bench:compare) under an open loop at a fixed rate, with V8's sampling heap
// profiler running over the measured window and keeping the samples of objects already collected
// (bench/heap-sampling-preload.mjs). Prints bytes per request by allocating function and by file.
//
//   node --import tsx bench/measure-allocation-sites.ts [--root=DIR] [--rate=2000] [--seconds=10] [--interval=256] [--top=40] [--env=K=V,K=V] [--keep=FILE] [--flags="..."]
//
// V8 names the allocating frame by its outermost function: what TurboFan inlined counts as its
// caller's. --flags=--no-turbo-inlining names each function (and allocates a little more).
// --keep writes the profile (a .heapprofile: Chrome DevTools' Memory panel opens it).
import { readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runOpenLoopClient, steadyOpenLoop } from './run-load-client.ts';
import { REPOSITORY_ROOT, startGatewayTarget, startSimulator } from './targets.ts';
import { option } from './command-line-option.ts';

const TARGET_CPU = 0;
const LOAD_CPU = 1;

interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: ProfileNode[];
}

function shortFile(url: string, root: string): string {
  if (url === '') return '(native)';
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  return path.startsWith(root) ? relative(root, path) : path.replace(/^.*node_modules\//, 'node_modules/');
}

async function waitForFile(path: string): Promise<string> {
  for (let attempt = 0; attempt < 300; attempt += 1) {
    const text = await readFile(path, 'utf8').catch(() => null);
    if (text !== null) return text;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no heap profile at ${path}`);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const root = resolve(option(args, 'root') ?? REPOSITORY_ROOT);
  const rate = Number(option(args, 'rate') ?? 2000);
  const seconds = Number(option(args, 'seconds') ?? 10);
  const top = Number(option(args, 'top') ?? 40);
  const file = join(tmpdir(), `heap-sampling-${process.pid}.json`);
  const preload = join(REPOSITORY_ROOT, 'bench/heap-sampling-preload.mjs');
  const load = () =>
    loadavg()
      .map((value) => value.toFixed(2))
      .join(' ');
  const log = (line: string) => process.stdout.write(`${line}\n`);
  log(`root ${root} rate ${rate}/s ${seconds} s; load average ${load()}`);
  const env = Object.fromEntries(
    (option(args, 'env') ?? '')
      .split(',')
      .filter(Boolean)
      .map((pair) => pair.split('=') as [string, string]),
  );
  const simulator = await startSimulator({ ttftMs: 0, interChunkMs: 1, chunkCount: 20, responseBytes: 1024 }, LOAD_CPU);
  const target = await startGatewayTarget(simulator, TARGET_CPU, ['--import', preload, ...(option(args, 'flags')?.split(' ').filter(Boolean) ?? [])], {
    name: 'gateway',
    root,
    env: { HEAP_SAMPLING_FILE: file, HEAP_SAMPLING_INTERVAL: option(args, 'interval') ?? '256', ...env },
  });
  try {
    const plan = (durationMs: number) => steadyOpenLoop(target.request(false), rate, durationMs);
    await runOpenLoopClient(plan(3_000), LOAD_CPU);
    process.kill(target.pid, 'SIGUSR2');
    const result = await runOpenLoopClient(plan(seconds * 1000), LOAD_CPU);
    process.kill(target.pid, 'SIGUSR2');
    const text = await waitForFile(file);
    const keep = option(args, 'keep');
    if (keep !== undefined) await writeFile(keep, text);
    const profile = JSON.parse(text) as { head: ProfileNode };
    const requests = result.recorded + result.failed + result.unanswered;
    const bySite = new Map<string, number>();
    const byFile = new Map<string, number>();
    let total = 0;
    const visit = (node: ProfileNode) => {
      const where = shortFile(node.callFrame.url, root);
      const site = `${node.callFrame.functionName || '(anonymous)'} ${where}:${node.callFrame.lineNumber + 1}`;
      bySite.set(site, (bySite.get(site) ?? 0) + node.selfSize);
      byFile.set(where, (byFile.get(where) ?? 0) + node.selfSize);
      total += node.selfSize;
      for (const child of node.children) visit(child);
    };
    visit(profile.head);
    log(
      `requests ${requests} (answered ${result.recorded}, failed ${result.failed}, unanswered ${result.unanswered}); sampled ${(total / requests).toFixed(0)} B/request`,
    );
    const table = (title: string, entries: Map<string, number>) => {
      log(`\n${title}: B/request  share`);
      for (const [name, bytes] of [...entries.entries()].sort((left, right) => right[1] - left[1]).slice(0, top)) {
        log(`${(bytes / requests).toFixed(0).padStart(7)}  ${((100 * bytes) / total).toFixed(1).padStart(5)}%  ${name}`);
      }
    };
    table('by allocating function', bySite);
    table('by file', byFile);
    log(`\nload average ${load()}`);
  } finally {
    await target.stop();
    await simulator.process.stop();
    await rm(file, { force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`measure-allocation-sites: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
