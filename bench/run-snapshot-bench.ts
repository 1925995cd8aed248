// `npm run bench:snapshot`: what configuration changes cost at scale (docs/architecture.md, Scale).
// 1. Swap stall: a 100k-key snapshot reaches a data plane (fake control plane) while a 200 req/s probe
//    runs; the worst probe request during the swap against the probe's p99.9 before it.
// 2. Delta apply: the data plane's request-loop CPU (and its worker's) to take in a one-key revocation and
//    a one-model price change at 10k and 100k keys and 1k models, in process, the new view included;
//    and bytes per key on the wire and in the data plane's heap.
// 3. Propagation (needs BENCH_DATABASE_URL, a PostgreSQL server where it may create a database): the real
//    control plane with 10k organizations and 100k keys, three data planes, 100 revocations; then
//    sustained usage ingest into that control plane (measure-usage-ingest.ts).
// Writes bench/results/snapshot.json and .md.
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { createSnapshotSigner, generateSnapshotSigningKeys } from '../shared/src/crypto.ts';
import { applyChangesInPlace, hashSnapshotStateWithJson, updateStateHash, type SnapshotDelta, type SnapshotState } from '../shared/src/snapshot.ts';
import { holdState } from '../data-plane/src/snapshot/held-state.ts';
import { createByokDecrypter } from '../data-plane/src/snapshot/decrypt-byok-credentials.ts';
import { SnapshotStore } from '../data-plane/src/snapshot/snapshot-store.ts';
import { createInThreadSnapshotParser } from '../data-plane/src/snapshot/snapshot-parser.ts';
import { verifySnapshot, type MaterialisedSnapshot } from '../data-plane/src/snapshot/verify-snapshot.ts';
import { benchSnapshotState, withExtraKeys } from './bench-snapshot.ts';
import { measurePropagation, type PropagationResult } from './measure-propagation.ts';
import { measureSnapshotSize, type SnapshotSizeResult } from './measure-snapshot-size.ts';
import { measureSnapshotSwap, type SnapshotSwapResult } from './measure-snapshot-swap.ts';
import { REPOSITORY_ROOT, startGatewayTarget, startSimulator } from './targets.ts';

const TARGET_CPU = 0;
const LOAD_CPU = 1;
const SIMULATOR = { ttftMs: 0, interChunkMs: 1, chunkCount: 20, responseBytes: 1024 };
const APPLY_SAMPLES = 20;

interface DeltaApplyResult {
  keys: number;
  /** What each delta changes. */
  change: DeltaChange;
  /** Median and largest CPU ms over APPLY_SAMPLES deltas. */
  loopCpuMs: { median: number; max: number };
  workerCpuMs: { median: number; max: number };
}

/** A key revoked, or one model's price changed in a catalog of CATALOG_MODELS models (the request loop then rebuilds the view's model indexes). */
type DeltaChange = 'key revoked' | 'model price changed';
const CATALOG_MODELS = 1_000;

const cpuMs = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};

function medianAndMax(values: number[]): { median: number; max: number } {
  const sorted = [...values].sort((left, right) => left - right);
  return { median: sorted[Math.floor(sorted.length / 2)] as number, max: sorted.at(-1) as number };
}

/** The bench state with `keys` more keys and CATALOG_MODELS models. */
function stateAtScale(keys: number): SnapshotState {
  const state = withExtraKeys(benchSnapshotState('http://127.0.0.1:9/v1'), keys);
  const template = Object.values(state.models)[0]!;
  for (let index = 0; index < CATALOG_MODELS; index++) state.models[`simulator/bench-${index}`] = { ...template, id: `simulator/bench-${index}`, aliases: [] };
  return state;
}

/** Deltas applied to a data plane's state of `keys` keys: the parser's part (a worker thread in a serving data plane) and the request loop's, the new view included. */
async function measureDeltaApply(keys: number, change: DeltaChange): Promise<DeltaApplyResult> {
  const signingKeys = await generateSnapshotSigningKeys();
  const signer = await createSnapshotSigner(signingKeys.privateJwk);
  const parser = await createInThreadSnapshotParser(signingKeys.publicJwk);
  const state = stateAtScale(keys);
  const hashed = hashSnapshotStateWithJson(state);
  let current: MaterialisedSnapshot = { version: 1, stateHash: hashed.stateHash, lanes: hashed.lanes, state: holdState(structuredClone(state)), jws: '' };
  const store = new SnapshotStore(await createByokDecrypter(null, () => {}));
  await store.set(current);
  const loop: number[] = [];
  const worker: number[] = [];
  const keyHashes = Object.keys(state.apiKeys);
  for (let sample = 0; sample < APPLY_SAMPLES; sample++) {
    const model = current.state.models[`simulator/bench-${sample}`]!;
    const endpoint = model.endpoints[0]!;
    const changes: SnapshotDelta['changes'] =
      change === 'key revoked'
        ? { apiKeys: { upsert: {}, remove: [keyHashes[(sample * 4099) % keyHashes.length]!] } }
        : {
            models: {
              upsert: { [model.id]: { ...model, endpoints: [{ ...endpoint, prices: { ...endpoint.prices, prompt: endpoint.prices.prompt + 1 } }] } },
              remove: [],
            },
          };
    // As the control plane does: from its own (plain) state, which it then changes in place.
    const stateHash = updateStateHash(current.lanes, state, changes).digest();
    applyChangesInPlace(state, changes);
    const version = current.version + 1;
    const jws = await signer.sign({ kind: 'delta', fromVersion: current.version, version, stateHash, changes });
    const workerStart = process.cpuUsage();
    const parsed = await parser.parse(jws);
    worker.push(cpuMs(workerStart));
    const loopStart = process.cpuUsage();
    const verified = await verifySnapshot({ parse: async () => parsed, close: async () => {} }, { version, jws }, current);
    current = verified.snapshot;
    await store.set(current, verified.kind === 'delta' ? verified.changedSections : null);
    loop.push(cpuMs(loopStart));
  }
  return { keys, change, loopCpuMs: medianAndMax(loop), workerCpuMs: medianAndMax(worker) };
}

const micros = (value: number) => Math.round(value).toLocaleString('en-US');

function report(results: {
  startedAt: string;
  loadAverage: number[];
  swap: SnapshotSwapResult | null;
  apply: DeltaApplyResult[];
  size: SnapshotSizeResult[];
  propagation: PropagationResult | null;
}): string {
  const lines = [
    '# Snapshot benchmark',
    '',
    `Run ${results.startedAt}, load average at start ${results.loadAverage.map((value) => value.toFixed(2)).join(' ')} (\`npm run bench:snapshot\`).`,
    '',
  ];
  const { swap } = results;
  if (swap) {
    const excess = swap.worstDuringSwapMicros - swap.probeBefore.p999;
    lines.push(
      '## Swap stall',
      '',
      `A delta adding ${swap.extraKeys.toLocaleString('en-US')} keys under a ${swap.probeRate} req/s probe: swap ${swap.swapMs.toFixed(0)} ms (published → served), data-plane CPU ${swap.dataPlaneCpuMs.toFixed(0)} ms. Probe before: p50 ${micros(swap.probeBefore.p50)} µs, p99 ${micros(swap.probeBefore.p99)} µs, p99.9 ${micros(swap.probeBefore.p999)} µs; worst of ${swap.answeredDuringSwap} requests during the swap ${micros(swap.worstDuringSwapMicros)} µs, **${micros(excess)} µs over the baseline p99.9** (target: ≤ 5,000); worst in as long a window just before the publish ${micros(swap.worstBeforeInEqualWindowMicros)} µs; failed or unanswered ${swap.probeFailed}.`,
      '',
    );
  }
  if (results.apply.length > 0) {
    lines.push(
      `## Delta apply (${CATALOG_MODELS.toLocaleString('en-US')} models)`,
      '',
      '| keys | change | request loop CPU, median / max | parser (worker) CPU, median / max |',
      '|---|---|---|---|',
    );
    for (const apply of results.apply) {
      lines.push(
        `| ${apply.keys.toLocaleString('en-US')} | ${apply.change} | ${apply.loopCpuMs.median.toFixed(2)} / ${apply.loopCpuMs.max.toFixed(2)} ms | ${apply.workerCpuMs.median.toFixed(2)} / ${apply.workerCpuMs.max.toFixed(2)} ms |`,
      );
    }
    lines.push('');
  }
  if (results.size.length > 0) {
    lines.push('## Bytes per key', '', '| keys | signed full snapshot (wire) | data-plane heap |', '|---|---|---|');
    for (const size of results.size) {
      lines.push(`| ${size.keys.toLocaleString('en-US')} | ${size.wireBytesPerKey.toFixed(0)} B | ${size.heapBytesPerKey.toFixed(0)} B |`);
    }
    lines.push('');
  }
  const { propagation } = results;
  if (propagation) {
    lines.push(
      '## Propagation',
      '',
      `The control plane on PostgreSQL with ${propagation.orgs.toLocaleString('en-US')} organizations and ${propagation.keys.toLocaleString('en-US')} keys (whole compile at start: ${propagation.fullCompileMs?.toFixed(0)} ms), ${propagation.dataPlanes} data planes, ${propagation.revocations} revocations one after the other. Revoke call → every data plane refuses the key: p50 ${micros(propagation.propagation.p50)} µs, p99 ${micros(propagation.propagation.p99)} µs, max ${micros(propagation.propagation.max)} µs (target: p99 ≤ 1 s). The control plane per change: at most ${propagation.maxRowsRead} rows read, p50 ${micros(propagation.changeMicros.p50)} µs, max ${micros(propagation.changeMicros.max)} µs. The data planes' CPU per revocation: ${propagation.dataPlaneCpuMsPerRevocation.toFixed(1)} ms for the three, their share of the 2 ms polling included.`,
      '',
      '### Changes that used to compile the whole state',
      '',
      `Whole compile at this scale: ${propagation.fullCompileMs?.toFixed(0)} ms (every key, organization, model and BYOK row).`,
      '',
      ...propagation.targetedChanges.map(({ change, compiled }) => `- ${change}: ${compiled}`),
      '',
      '## Usage ingest',
      '',
      `The same control plane and database: ${propagation.ingest.senders} senders, batches of ${propagation.ingest.batchSize} new usage events (dataPlane.ingestUsage) for ${propagation.ingest.seconds.toFixed(1)} s: **${propagation.ingest.rowsPerSecond.toFixed(0)} rows/s** stored (${propagation.ingest.rows.toLocaleString('en-US')} rows; usage row, ledger debit and usage_daily per batch transaction). Per batch: p50 ${micros(propagation.ingest.batchMicros.p50)} µs, p99 ${micros(propagation.ingest.batchMicros.p99)} µs.`,
      '',
    );
  }
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const startedAt = new Date().toISOString();
  const loadAverage = loadavg();
  const args = process.argv.slice(2);
  log(`snapshot benchmark; load average ${loadAverage.map((value) => value.toFixed(2)).join(' ')}`);

  let swap: SnapshotSwapResult | null = null;
  if (!args.includes('--no-swap')) {
    const simulator = await startSimulator(SIMULATOR, LOAD_CPU);
    const gateway = await startGatewayTarget(simulator, TARGET_CPU);
    try {
      log('swap stall:');
      swap = await measureSnapshotSwap(gateway, simulator, 100_000, 200, LOAD_CPU);
      log(`  swap ${swap.swapMs.toFixed(0)} ms, worst ${micros(swap.worstDuringSwapMicros)} µs, baseline p99.9 ${micros(swap.probeBefore.p999)} µs`);
    } finally {
      await gateway.stop();
      await simulator.process.stop();
    }
  }

  const apply: DeltaApplyResult[] = [];
  for (const keys of [10_000, 100_000]) {
    for (const change of ['key revoked', 'model price changed'] as const) {
      apply.push(await measureDeltaApply(keys, change));
      log(`delta apply at ${keys} keys, ${change}: loop ${apply.at(-1)!.loopCpuMs.median.toFixed(2)} ms median`);
    }
  }

  const size: SnapshotSizeResult[] = [];
  for (const keys of [10_000, 100_000]) {
    size.push(await measureSnapshotSize(keys));
    log(`bytes per key at ${keys} keys: wire ${size.at(-1)!.wireBytesPerKey.toFixed(0)}, heap ${size.at(-1)!.heapBytesPerKey.toFixed(0)}`);
  }

  let propagation: PropagationResult | null = null;
  const databaseUrl = process.env.BENCH_DATABASE_URL;
  if (databaseUrl && !args.includes('--no-propagation')) {
    log('propagation:');
    propagation = await measurePropagation({
      databaseUrl,
      keys: 100_000,
      orgs: 10_000,
      revocations: 100,
      dataPlaneCpu: TARGET_CPU,
      controlPlaneCpu: LOAD_CPU,
      log,
    });
    log(`  p99 ${micros(propagation.propagation.p99)} µs`);
  } else if (!databaseUrl) {
    log('propagation skipped: set BENCH_DATABASE_URL to a PostgreSQL server where the bench may create a database');
  }

  const results = { startedAt, loadAverage, swap, apply, size, propagation };
  const directory = join(REPOSITORY_ROOT, 'bench', 'results');
  await mkdir(directory, { recursive: true });
  await writeFile(join(directory, 'snapshot.json'), `${JSON.stringify(results, null, 2)}\n`);
  const markdown = report(results);
  await writeFile(join(directory, 'snapshot.md'), markdown);
  log(`\n${markdown}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench:snapshot: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
