// What the access log and metrics cost per request, measured on the code that does it alone: the request
// observer (data-plane/src/observability/observe-requests.ts) told that a metered chat request held and
// gave back a spend reservation and ended,
// once with the data plane's settings for "off" (LOG_LEVEL=warn, no metrics) and once for "on" (access
// log at info through the batched stdout, the Prometheus metrics). CPU time per call from
// process.cpuUsage over alternating repetitions, so the load of the machine moves it far less than a
// whole data plane's rounds; under valgrind (--side and two --iterations counts, see --help) the
// instructions per call, which do not move with load at all. Lines go to stdout: run it with stdout to
// /dev/null (or a pipe) as the data plane's would; results go to stderr.
import { performance } from 'node:perf_hooks';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '../shared/src/logger.ts';
import type { UsageEvent } from '../shared/src/usage-event.ts';
import { DataPlaneMetrics } from '../data-plane/src/observability/data-plane-metrics.ts';
import { createRequestObserver, type RequestObserver } from '../data-plane/src/observability/observe-requests.ts';
import type { EndedRequest } from '../data-plane/src/observability/request-telemetry.ts';
import { median, quantile } from './alternate-rounds.ts';
import { option } from './command-line-option.ts';

const help = `Usage: node --import tsx bench/measure-observer-cost.ts [options] > /dev/null

Calls the data plane's request observer for a metered chat request with the access log and metrics
off and on, and prints (to stderr) the CPU µs per call of each, medians over alternating repetitions.

Options:
  --iterations=N     calls per repetition                          default 20000
  --repetitions=N    repetitions per side                          default 15
  --side=off|on      only this side, one repetition, no timing: for counting instructions, e.g.
                     valgrind --tool=callgrind node --import tsx bench/measure-observer-cost.ts --side=on --iterations=20000
                     and again with 40000; the difference of the two totals / 20000 is the instructions per call
  --idle=S           with --side: no calls; the CPU µs per second of S idle seconds (what timers cost, e.g.
                     the metrics' event-loop delay monitor); run the two sides at the same time, a few times
`;

/** The event loop gets a turn this often, as a served request's end is one turn of its own. */
const CALLS_PER_TURN = 8;

function observer(on: boolean): RequestObserver {
  const logger = createLogger('data-plane', { level: on ? 'info' : 'warn' });
  const gauges = { snapshot: () => null, spoolBacklog: async () => ({ segments: 0, bytes: 0, oldestEventAgeMs: null }), usageShipFailures: () => 0 };
  return createRequestObserver(logger, on ? new DataPlaneMetrics(gauges) : null, null);
}

/** A metered, non-streamed chat request as the bench sends it, answered 200. */
function endedRequest(requests: RequestObserver): EndedRequest & { requestId: string; startedAt: number } {
  const usage: UsageEvent = {
    requestId: 'req_0000000000000000000000',
    orgId: 'org_alpha',
    userId: 'user_alpha',
    apiKeyId: 'key_alpha',
    requestedModel: 'simulator/echo',
    servedModel: 'echo',
    providerId: 'simulator',
    byok: false,
    promptTokens: 12,
    completionTokens: 48,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    costMicros: 84,
    upstreamCostMicros: null,
    usageEstimated: false,
    ttftMs: 1.7,
    upstreamLatencyMs: 1.9,
    totalLatencyMs: 2.3,
    status: 200,
    finishReason: 'stop',
    errorCode: null,
    streamed: false,
    startedAt: new Date().toISOString(),
    finishedAt: new Date().toISOString(),
  };
  return {
    route: requests.route('/v1/chat/completions', 'openai-chat', 'chat'),
    requestId: usage.requestId,
    status: 200,
    aborted: false,
    errorCode: null,
    usage,
    provider: 'simulator',
    attempts: null,
    startedAt: 0,
    span: null,
  };
}

async function run(requests: RequestObserver, iterations: number): Promise<number> {
  const request = endedRequest(requests);
  const before = process.cpuUsage();
  for (let index = 0; index < iterations; index++) {
    request.requestId = `req_${index.toString(36).padStart(22, '0')}`;
    request.startedAt = performance.now() - 2.3;
    // The metered route's spend reservation, held while the request runs (a paid model's request).
    requests.reservationHeld(1);
    requests.reservationHeld(-1);
    requests.ended(request);
    if (index % CALLS_PER_TURN === 0) await nextTurn();
  }
  const used = process.cpuUsage(before);
  return (used.user + used.system) / iterations;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--help')) return void process.stderr.write(help);
  const iterations = Number(option(args, 'iterations') ?? 20_000);
  const repetitions = Number(option(args, 'repetitions') ?? 15);
  const side = option(args, 'side');
  if (side !== undefined) {
    if (side !== 'on' && side !== 'off') throw new Error(`--side must be on or off, got '${side}'`);
    const requests = observer(side === 'on');
    const idleSeconds = option(args, 'idle');
    if (idleSeconds === undefined) return void (await run(requests, iterations));
    // Start-up's own work (module loading, the first collections) settles first.
    await sleep(3_000);
    const before = process.cpuUsage();
    await sleep(Number(idleSeconds) * 1000);
    const used = process.cpuUsage(before);
    process.stderr.write(`${side}: ${((used.user + used.system) / Number(idleSeconds)).toFixed(0)} µs CPU per idle second\n`);
    return;
  }
  const sides = { off: observer(false), on: observer(true) };
  // Warm-up: the JIT tiers both up before anything is measured.
  for (const requests of Object.values(sides)) await run(requests, iterations);
  const micros: Record<'off' | 'on', number[]> = { off: [], on: [] };
  for (let index = 0; index < repetitions; index++) {
    const order = index % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const);
    for (const name of order) micros[name].push(await run(sides[name], iterations));
  }
  const differences = micros.on.map((value, index) => value - (micros.off[index] as number));
  const format = (values: number[]) => `${median(values).toFixed(2)} µs (quartiles ${quantile(values, 0.25).toFixed(2)}-${quantile(values, 0.75).toFixed(2)})`;
  process.stderr.write(
    `CPU per call, ${repetitions} × ${iterations.toLocaleString('en-US')} calls per side: off ${format(micros.off)}, on ${format(micros.on)}; on - off ${format(differences)}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`measure-observer-cost: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
