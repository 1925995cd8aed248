// Instructions and bytes per request of the usage path alone, in one process: a RequestMeter told what a
// non-streamed request does, its usage event, the spool's append and group write (a real segment file),
// the written records held for the shipper, and the shipper's batch (its body spliced as the channel does).
// Deterministic where a whole data plane is not (timers, the shipper's per-second batch, other processes):
//
//   valgrind --tool=callgrind --instr-atstart=no --separate-threads=yes node --import tsx bench/count-usage-path.ts --callgrind --requests=N
//   (instrumentation on for the N counted requests only, after 5,000 to warm up: the main thread's totals over N)
//   node --import tsx bench/count-usage-path.ts --requests=N --allocation  (bytes allocated per request:
//   V8's sampling heap profiler, keeping the samples of collected objects)
//
// --in-flight=K requests end in each event-loop turn (a group of K records), --batch=B per shipped batch.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { Session } from 'node:inspector';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ingestUsageBody } from '../data-plane/src/channel/control-plane-channel.ts';
import { RequestMeter } from '../data-plane/src/metering/request-meter.ts';
import type { Principal } from '../data-plane/src/snapshot/snapshot-view.ts';
import { openShippedSpool } from '../data-plane/src/usage/open-shipped-spool.ts';
import type { SnapshotEndpoint, SnapshotModel } from '../shared/src/snapshot.ts';
import { option } from './command-line-option.ts';

const run = promisify(execFile);

const requests = Number(option(process.argv, 'requests') ?? '20000');
const inFlight = Number(option(process.argv, 'in-flight') ?? '8');
const batch = Number(option(process.argv, 'batch') ?? '500');
const allocation = process.argv.includes('--allocation');
/** Under `valgrind --tool=callgrind --instr-atstart=no`: instrumentation is turned on for the counted requests only. */
const callgrind = process.argv.includes('--callgrind');

const principal = {
  org: { id: 'org_01JABCDEFGHJKMNPQRSTVWXYZ0' },
  apiKey: { id: 'key_01JABCDEFGHJKMNPQRSTVWXYZ0', userId: 'user_01JABCDEFGHJKMNPQRSTVWXYZ' },
} as unknown as Principal;
const model = { id: 'simulator/gpt-4o-mini' } as unknown as SnapshotModel;
const endpoint = {
  providerId: 'prov_01JABCDEFGHJKMNPQRSTVWXYZ0',
  upstreamModel: 'gpt-4o-mini',
  prices: { prompt: 150, completion: 600, cacheRead: null, cacheWrite: null },
} as unknown as SnapshotEndpoint;
const metered = { endpoint, byok: false };
const report = {
  usage: { usage: { promptTokens: 120, completionTokens: 64, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 }, upstreamCostMicros: null },
  finishReason: 'stop',
  servedModel: 'gpt-4o-mini-2024-07-18',
};
const prompt = { estimatePromptTokens: () => 0 };

const directory = await mkdtemp(join(tmpdir(), 'count-usage-path-'));
let shippedBytes = 0;
const { spool, shipper } = await openShippedSpool({
  directory,
  send: async (_requestIds, json) => {
    shippedBytes += ingestUsageBody(json).length;
  },
  batchSize: batch,
  intervalMs: 3_600_000,
  log: () => {},
});

let sequence = 0;
function request(): Promise<void> {
  sequence += 1;
  const now = performance.now();
  const meter = new RequestMeter(
    { requestId: `req_${sequence.toString(36).padStart(20, '0')}`, startedAt: now - 1.5, startedAtEpochMs: Date.now() - 1.5 },
    principal,
    model,
    metered,
    false,
    2000,
  );
  meter.answeredBy(metered, now - 1);
  meter.upstreamFinished();
  meter.recordResponse(report);
  meter.firstByte();
  return spool.append(meter.usageEvent(200, null, prompt));
}

const session = new Session();
session.connect();
interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: ProfileNode[];
}
const post = (method: string, params?: object) =>
  new Promise<unknown>((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))));
if (allocation || callgrind) {
  // Warm up first, then count.
  for (let done = 0; done < 5000; done += inFlight) await Promise.all(Array.from({ length: inFlight }, request));
  await shipper.shipNow();
}
if (callgrind) await run('callgrind_control', ['-i', 'on', String(process.pid)]);
if (allocation) {
  await post('HeapProfiler.startSampling', { samplingInterval: 64, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
}
for (let done = 0; done < requests; done += inFlight) {
  await Promise.all(Array.from({ length: inFlight }, request));
  if (done % batch < inFlight) await shipper.shipNow();
}
await shipper.shipNow();
if (callgrind) await run('callgrind_control', ['-i', 'off', String(process.pid)]);
if (allocation) {
  const { profile } = (await post('HeapProfiler.stopSampling')) as { profile: { head: ProfileNode } };
  const bySite = new Map<string, number>();
  let total = 0;
  const walk = (node: ProfileNode) => {
    const site = `${node.callFrame.functionName || '(anonymous)'} ${node.callFrame.url.replace(/^.*\/(data-plane|shared|bench)\//, '$1/')}:${node.callFrame.lineNumber}`;
    bySite.set(site, (bySite.get(site) ?? 0) + node.selfSize);
    total += node.selfSize;
    for (const child of node.children) walk(child);
  };
  walk(profile.head);
  console.log(`bytes per request: ${(total / requests).toFixed(0)}`);
  for (const [site, bytes] of [...bySite].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`${(bytes / requests).toFixed(1).padStart(8)}  ${site}`);
}
console.log(`requests ${requests}, shipped ${shippedBytes} bytes`);
await spool.close();
shipper.stop();
await rm(directory, { recursive: true, force: true });
