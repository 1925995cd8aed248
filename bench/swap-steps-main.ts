// Child-process entry of bench:swap --steps: a data plane's request-loop half of the 100k-key swap in
// this process (the delta verified and applied, then the state serialised for the snapshot file, as the
// deltas log then outweighs it), with a turn counter beside it, for the checkout at --root (so two versions of the code
// are measured alike). The parser's half (the feed's worker thread in a data plane) runs first and is
// not measured; a checkout whose snapshot feed merges a large delta's keys in its worker thread
// (snapshot-feed.ts mergeKeys) has them merged there, and the keys' JSON for the state file written
// there (keysJson), as a data plane does, that thread moved to
// --feed-cpu so its work does not count as the loop's. Prints one JSON line: the longest turn of the
// event loop (wall time: on a loaded machine it also counts waiting for a CPU) while applying and while
// serialising, the longest GC pause, and the main thread's CPU for both (its schedstat: the process's
// CPU would count the feed thread and V8's helper threads; read from the running thread it lags by up
// to a scheduler tick, so it is no measure of one turn).
//
//   node --import tsx bench/swap-steps-main.ts --root=DIR --keys=100000 [--feed-cpu=N]
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { performance, PerformanceObserver } from 'node:perf_hooks';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Crypto from '../shared/src/crypto.ts';
import type * as Snapshot from '../shared/src/snapshot.ts';
import type * as Parser from '../data-plane/src/snapshot/snapshot-parser.ts';
import type * as Feed from '../data-plane/src/snapshot/snapshot-feed.ts';
import type * as Packed from '../data-plane/src/snapshot/packed-entries.ts';
import type * as Verify from '../data-plane/src/snapshot/verify-snapshot.ts';
import { benchSnapshotState, withExtraKeys } from './bench-snapshot.ts';

const option = (name: string) => process.argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
const root = resolve(option('root') ?? '.');
const keys = Number(option('keys') ?? 100_000);
const load = <Module>(path: string) => import(pathToFileURL(join(root, path)).href) as Promise<Module>;

type Modules = { crypto: typeof Crypto; snapshot: typeof Snapshot; parser: typeof Parser; verify: typeof Verify };
const modules: Modules = {
  crypto: await load('shared/src/crypto.ts'),
  snapshot: await load('shared/src/snapshot.ts'),
  parser: await load('data-plane/src/snapshot/snapshot-parser.ts'),
  verify: await load('data-plane/src/snapshot/verify-snapshot.ts'),
};
// A checkout that packs its API keys holds its state through held-state.ts; one before that holds the plain state.
type Held = { holdState(state: unknown): unknown; serializeHeldStateInSlices(state: unknown, keysJson?: unknown): Promise<Uint8Array[]> };
const held = await load<Held>('data-plane/src/snapshot/held-state.ts').catch(() => null);
const holdState = held?.holdState ?? ((state: unknown) => state);
// Before, the state was serialised by shared/src/snapshot.ts.
const serialize =
  held?.serializeHeldStateInSlices ??
  (modules.snapshot as unknown as { serializeSnapshotStateInSlices: Held['serializeHeldStateInSlices'] }).serializeSnapshotStateInSlices;

const signingKeys = await modules.crypto.generateSnapshotSigningKeys();
const signer = await modules.crypto.createSnapshotSigner(signingKeys.privateJwk);
const inThread = await modules.parser.createInThreadSnapshotParser(signingKeys.publicJwk);
// The feed's worker, started (and a first merge made) before the measure, as in a data plane that holds a subscription.
const feed = (await load<typeof Feed>('data-plane/src/snapshot/snapshot-feed.ts')).createSnapshotFeed({
  controlPlaneUrls: ['http://127.0.0.1:9'],
  dataPlaneToken: 'unused',
  snapshotPublicJwk: signingKeys.publicJwk,
});
const parser = 'mergeKeys' in feed ? { ...inThread, mergeKeys: feed.mergeKeys } : inThread;
if ('mergeKeys' in feed) {
  const { emptyPackedEntries } = await load<typeof Packed>('data-plane/src/snapshot/packed-entries.ts');
  await feed.mergeKeys({ packed: emptyPackedEntries(), changes: [] }, emptyPackedEntries());
  // The feed's thread (the one at nice 19) on another CPU: its merge is not the request loop's turn.
  const feedCpu = option('feed-cpu');
  for (const tid of readdirSync('/proc/self/task')) {
    const nice = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ')[16];
    if (feedCpu !== undefined && nice === '19') spawnSync('taskset', ['-pc', feedCpu, tid]);
  }
}
// Made in a function, so the plain 100k-key state and its signed message (what the control plane holds)
// are garbage before the measure: a data plane holds neither.
async function prepare() {
  const before = benchSnapshotState('http://127.0.0.1:9/v1');
  const after = withExtraKeys(before, keys);
  const hashed = modules.snapshot.hashSnapshotStateWithJson(before);
  const stateHash = modules.snapshot.hashSnapshotState(after);
  const jws = await signer.sign({ kind: 'delta', fromVersion: 1, version: 2, stateHash, changes: modules.snapshot.diffSnapshotStates(before, after) });
  const current = { version: 1, stateHash: hashed.stateHash, lanes: hashed.lanes, state: holdState(structuredClone(before)), jws: '' };
  return { current, stateHash, parsed: await parser.parse(jws) };
}
const { current, stateHash, parsed } = await prepare();
(globalThis as { gc?: () => void }).gc?.();

const gcPauses: number[] = [];
const observer = new PerformanceObserver((list) => gcPauses.push(...list.getEntries().map((entry) => entry.duration)));
observer.observe({ entryTypes: ['gc'] });
/** The longest turn of each phase: the delta verified and applied, then the state serialised. */
const longestWallMs = { apply: 0, serialise: 0 };
let phase: keyof typeof longestWallMs = 'apply';
let turns = 0;
let running = true;
/** The main thread's CPU time in ms (Linux: its schedstat, in ns). */
const mainThreadCpuMs = () => Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
let lastWall = performance.now();
// A timer, not setImmediate: a loop that never idles would leave a feed thread on its CPU (nice 19) no time.
const tick = () => {
  const wall = performance.now();
  longestWallMs[phase] = Math.max(longestWallMs[phase], wall - lastWall);
  turns += 1;
  lastWall = performance.now();
  if (running) setTimeout(tick, 1);
};
setTimeout(tick, 1);
const cpuStart = mainThreadCpuMs();
const verified = await modules.verify.verifySnapshot({ ...parser, parse: async () => parsed }, { version: 2, jws: '' }, current as never);
phase = 'serialise';
// A checkout whose feed writes the keys' JSON (snapshot-feed.ts keysJson) has it written there, as a data plane does.
await serialize(verified.snapshot.state, 'keysJson' in feed ? feed.keysJson : undefined);
const applyCpuMs = mainThreadCpuMs() - cpuStart;
running = false;
// The GC entries of the apply are delivered on a later turn.
await new Promise((resolve) => setTimeout(resolve, 100));
observer.disconnect();
if (verified.snapshot.stateHash !== stateHash) throw new Error('the swap did not reach the signed state');
process.stdout.write(`${JSON.stringify({ keys, turns, longestWallMs, longestGcMs: Math.max(0, ...gcPauses), gcPauses: gcPauses.length, applyCpuMs })}\n`);
process.exit(0);
