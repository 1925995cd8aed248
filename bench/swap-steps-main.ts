// Child-process entry of bench:swap --steps: a data plane's request-loop half of the 100k-key swap in
// this process (the delta verified and applied, then the state serialised for the snapshot file, as the
// deltas log then outweighs it), with a turn counter beside it, for the checkout at --root (so two versions of the code
// are measured alike). The parser's half (the feed's worker thread in a data plane) runs first and is
// not measured. Prints one JSON line: the longest turn of the event loop during the apply, in wall time
// and in CPU time (on a loaded machine wall time also counts waiting for a CPU; CPU time does not), the
// longest GC pause and the apply's CPU time.
//
//   node --import tsx bench/swap-steps-main.ts --root=DIR --keys=100000
import { performance, PerformanceObserver } from 'node:perf_hooks';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Crypto from '../shared/src/crypto.ts';
import type * as Snapshot from '../shared/src/snapshot.ts';
import type * as Parser from '../data-plane/src/snapshot/snapshot-parser.ts';
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
type Held = { holdState(state: unknown): unknown; serializeHeldStateInSlices(state: unknown): Promise<Uint8Array[]> };
const held = await load<Held>('data-plane/src/snapshot/held-state.ts').catch(() => null);
const holdState = held?.holdState ?? ((state: unknown) => state);
// Before, the state was serialised by shared/src/snapshot.ts.
const serialize =
  held?.serializeHeldStateInSlices ??
  (modules.snapshot as unknown as { serializeSnapshotStateInSlices: Held['serializeHeldStateInSlices'] }).serializeSnapshotStateInSlices;

const signingKeys = await modules.crypto.generateSnapshotSigningKeys();
const signer = await modules.crypto.createSnapshotSigner(signingKeys.privateJwk);
const parser = await modules.parser.createInThreadSnapshotParser(signingKeys.publicJwk);
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
const longestCpuMs = { apply: 0, serialise: 0 };
let phase: keyof typeof longestCpuMs = 'apply';
let longestWallMs = 0;
let turns = 0;
let running = true;
let lastWall = performance.now();
let lastCpu = process.cpuUsage();
const tick = () => {
  const wall = performance.now();
  const cpu = process.cpuUsage(lastCpu);
  longestWallMs = Math.max(longestWallMs, wall - lastWall);
  longestCpuMs[phase] = Math.max(longestCpuMs[phase], (cpu.user + cpu.system) / 1000);
  turns += 1;
  lastWall = performance.now();
  lastCpu = process.cpuUsage();
  if (running) setImmediate(tick);
};
setImmediate(tick);
const cpuStart = process.cpuUsage();
const verified = await modules.verify.verifySnapshot({ parse: async () => parsed, close: async () => {} }, { version: 2, jws: '' }, current as never);
phase = 'serialise';
await serialize(verified.snapshot.state);
const applyCpu = process.cpuUsage(cpuStart);
running = false;
// The GC entries of the apply are delivered on a later turn.
await new Promise((resolve) => setTimeout(resolve, 100));
observer.disconnect();
if (verified.snapshot.stateHash !== stateHash) throw new Error('the swap did not reach the signed state');
process.stdout.write(
  `${JSON.stringify({ keys, turns, longestWallMs, longestCpuMs, longestGcMs: Math.max(0, ...gcPauses), gcPauses: gcPauses.length, applyCpuMs: (applyCpu.user + applyCpu.system) / 1000 })}\n`,
);
process.exit(0);
