// The spend reservation's own cost per request, counted in one process (issue 19): the enforcer over the
// in-process counter store, as the data plane runs it, reserving then settling (or releasing) with
// --in-flight holds outstanding, the way requests overlap. Run it under callgrind with --callgrind, which
// counts only the measured requests (callgrind_control after the warm-up):
//
//   valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file=/tmp/a node --import tsx bench/count-spend-reserve.ts --root=DIR --callgrind
//   grep totals: /tmp/a   (divided by --requests: instructions per request)
//
// Without --callgrind: heap bytes per request (run it with --expose-gc --max-semi-space-size=128).
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { option } from './command-line-option.ts';
import type * as EnforcerModule from '../data-plane/src/spend/spend-enforcer.ts';
import type * as StoreModule from '../data-plane/src/spend/in-process-counter-store.ts';
import type * as FixtureModule from '../data-plane/src/testing/data-plane-fixture.ts';
import type * as FixturesModule from '../data-plane/src/spend/spend-fixtures.ts';

const args = process.argv.slice(2);
const root = resolve(option(args, 'root') ?? join(import.meta.dirname, '..'));
const requests = Number(option(args, 'requests') ?? 20_000);
const warmup = Number(option(args, 'warmup') ?? 20_000);
const inFlight = Number(option(args, 'in-flight') ?? 8);
const underCallgrind = args.includes('--callgrind');
const load = async <Module>(path: string): Promise<Module> => (await import(pathToFileURL(join(root, path)).href)) as Module;

const { createSpendEnforcer } = await load<typeof EnforcerModule>('data-plane/src/spend/spend-enforcer.ts');
const { createInProcessCounterStore } = await load<typeof StoreModule>('data-plane/src/spend/in-process-counter-store.ts');
const { FUNDED_SPEND_FLOOR } = await load<typeof FixtureModule>('data-plane/src/testing/data-plane-fixture.ts');

const {
  spendTestPrincipal: principal,
  spendTestCandidates: candidates,
  spendTestEstimate: estimate,
} = await load<typeof FixturesModule>('data-plane/src/spend/spend-fixtures.ts');
const enforcer = createSpendEnforcer({
  store: createInProcessCounterStore(),
  spendFloor: () => FUNDED_SPEND_FLOOR,
  failOpen: false,
  reservationTtlMs: 600_000,
  log: () => {},
});

type Held = Exclude<ReturnType<typeof enforcer.reserve>, Promise<unknown>>;
const ids = Array.from({ length: requests + warmup + inFlight }, () => crypto.randomUUID());
const held: Held[] = [];
let next = 0;
/** `count` requests: each reserves, and the oldest in flight settles (every eighth releases instead). */
function run(count: number): void {
  for (let index = 0; index < count; index += 1) {
    held.push(enforcer.reserve(ids[next++] as string, principal as never, candidates as never, estimate) as Held);
    if (held.length > inFlight) {
      const oldest = held.shift() as Held;
      if (next % 8 === 0) oldest.release();
      else oldest.settle({ byok: false, costMicros: 5 });
    }
  }
}

run(warmup);
const callgrind = (...command: string[]) => promisify(execFile)('callgrind_control', [...command, String(process.pid)]);
if (underCallgrind) {
  await callgrind('--instr=on');
  run(requests);
  await callgrind('--instr=off');
} else {
  globalThis.gc?.();
  const before = process.memoryUsage().heapUsed;
  run(requests);
  process.stderr.write(
    `${root}: ${requests} requests after ${warmup}; heap bytes per request ${Math.round((process.memoryUsage().heapUsed - before) / requests)}\n`,
  );
}
await enforcer.close();
