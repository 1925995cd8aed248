// The data plane's own JavaScript per non-streamed chat request, counted in one process without either
// native stack: the serving half as the data plane starts it (serve-requests.ts: route table, pipeline,
// spend and rate limits on in-process stores, the usage spool on a temporary directory, access log at
// info to stdout, metrics on), with uWebSockets.js's App replaced by a recorder that hands the chat route
// a fake request and response, and the upstream's undici Pool by one that answers the bench simulator's
// 1 KiB reply on the next turn. What is left is ours: body read, parse, key, policy, routing, limits, the
// reservation, the attempt, reading and metering the answer, the spool's group write, sending, the
// access line. Deterministic enough to count what a change removes:
//
//   node --import tsx bench/count-request-path.ts [--requests=20000] [--warmup=20000] [--in-flight=8] [--root=DIR] > /dev/null
//     prints (stderr) the promises made per request (async_hooks) with --promises, and the heap bytes
//     allocated per request with --heap (run it with --expose-gc --max-semi-space-size=128: no scavenge
//     in the counted window, 2,000 requests);
//   valgrind --tool=callgrind --instr-atstart=no --separate-threads=yes --callgrind-out-file=/tmp/cg.%p node --import tsx bench/count-request-path.ts --callgrind --requests=2000 --warmup=3000
//     counts only the requests after the warm-up (the harness turns instrumentation on and off around
//     them with callgrind_control): a file's total / N is the instructions per request. Read the main
//     thread's (the file ending -01): V8's worker threads (concurrent compiling, GC marking and sweeping,
//     the other files) swing with the JIT and the clock as valgrind slows the requests, and the main
//     thread does not (2026-12-07, load 4-7, 3 runs without the String.prototype import below: whole window 309k-335k, main thread 236k-240k; a
//     10,000-request warm-up cuts the workers' share from ~97k to ~29k a request, not the main thread's).
//     Do not add --expose-gc there: the full collection before the window throws away compiled code, and
//     the window recompiles it (whole window 595k-689k a request). The fake request and response are
//     the harness's own; no function of theirs is made per request (see them below).
//
// --root=DIR runs another checkout's data plane (a base worktree), with this harness.
import { createHook } from 'node:async_hooks';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { option } from './command-line-option.ts';
import { benchSnapshotState, BENCH_API_KEY } from './bench-snapshot.ts';
import { nonStreamedReply } from './upstream-simulator.ts';

const args = process.argv.slice(2);
const requests = Number(option(args, 'requests') ?? 20_000);
const warmup = Number(option(args, 'warmup') ?? 20_000);
const inFlight = Number(option(args, 'in-flight') ?? 8);
const root = resolve(option(args, 'root') ?? join(import.meta.dirname, '..'));
const countPromises = args.includes('--promises');
const countHeap = args.includes('--heap');
const underCallgrind = args.includes('--callgrind');
const callgrind = (...command: string[]) => promisify(execFile)('callgrind_control', [...command, String(process.pid)]);

const load = async <Module>(path: string): Promise<Module> => (await import(pathToFileURL(join(root, path)).href)) as Module;
import type * as ServeModule from '../data-plane/src/serve-requests.ts';
import type * as RuntimeModule from '../data-plane/src/http/uws-runtime.ts';
import type * as ViewModule from '../data-plane/src/snapshot/snapshot-view.ts';
import type * as HeldModule from '../data-plane/src/snapshot/held-state.ts';
import type * as CountersModule from '../data-plane/src/spend/in-process-counter-store.ts';
import type * as RatesModule from '../data-plane/src/rate-limit/in-process-rate-limit-store.ts';
import type * as LoggerModule from '../shared/src/logger.ts';
import type * as FixtureModule from '../data-plane/src/testing/data-plane-fixture.ts';
type Handler = (response: unknown, request: unknown) => void;

// What the data plane's entries import first (main.ts): String.prototype kept in V8's fast mode. Without it the
// window's Builtins_LoadIC alone is ~57k instructions a request that the data plane as run does not spend.
if (existsSync(join(root, 'data-plane/src/fast-string-prototype.ts'))) await load('data-plane/src/fast-string-prototype.ts');
const { startServing } = await load<typeof ServeModule>('data-plane/src/serve-requests.ts');
const { uws } = await load<typeof RuntimeModule>('data-plane/src/http/uws-runtime.ts');
const { buildSnapshotView } = await load<typeof ViewModule>('data-plane/src/snapshot/snapshot-view.ts');
const { holdState } = await load<typeof HeldModule>('data-plane/src/snapshot/held-state.ts');
const { createInProcessCounterStore } = await load<typeof CountersModule>('data-plane/src/spend/in-process-counter-store.ts');
const { createInProcessRateLimitStore } = await load<typeof RatesModule>('data-plane/src/rate-limit/in-process-rate-limit-store.ts');
const { createLogger } = await load<typeof LoggerModule>('shared/src/logger.ts');
const { FUNDED_SPEND_FLOOR, UPSTREAM_KEY_ENV } = await load<typeof FixtureModule>('data-plane/src/testing/data-plane-fixture.ts');

// The route table, recorded instead of listened on.
const routes = new Map<string, Handler>();
const fakeApp = {
  post: (path: string, handler: Handler) => routes.set(`post ${path}`, handler),
  get: (path: string, handler: Handler) => routes.set(`get ${path}`, handler),
  any: (path: string, handler: Handler) => routes.set(`any ${path}`, handler),
  listen: (...listenArgs: unknown[]) => (listenArgs.at(-1) as (socket: unknown) => void)({}),
  close: () => {},
};
const runtime = uws as unknown as Record<string, unknown>;
runtime.App = () => fakeApp;
runtime.us_socket_local_port = () => 0;
runtime.us_listen_socket_close = () => {};

// The upstream: the simulator's reply to every dispatch, on the next turn (as a socket read would come).
const reply = nonStreamedReply(1024);
const replyHeaders = { 'content-type': 'application/json', 'content-length': String(reply.length) };
interface DispatchHandler {
  onRequestStart(controller: unknown, context: unknown): void;
  onResponseStart(controller: unknown, status: number, headers: Record<string, string>, message: string): void;
  onResponseData(controller: unknown, chunk: Buffer): void;
  onResponseEnd(controller: unknown, trailers: Record<string, string>): void;
}
const controller = { abort: () => {}, pause: () => {}, resume: () => {}, aborted: false, paused: false, reason: null };
function answer(handler: DispatchHandler): void {
  handler.onRequestStart(controller, {});
  handler.onResponseStart(controller, 200, replyHeaders, 'OK');
  handler.onResponseData(controller, Buffer.from(reply));
  handler.onResponseEnd(controller, {});
}

const upstreamBase = 'http://127.0.0.1:9/v1';
const state = benchSnapshotState(upstreamBase);
const view = buildSnapshotView(1, 'bench', holdState(state));
process.env[UPSTREAM_KEY_ENV] = 'sk-bench-upstream';
const directory = await mkdtemp(join(tmpdir(), 'count-request-path-'));
const serving = await startServing(
  {
    host: '127.0.0.1',
    port: 0,
    controlPlaneUrls: ['http://127.0.0.1:9'],
    dataPlaneToken: 'bench',
    usageFlushIntervalMs: 600_000,
    addressLimits: { anonymousPerMinute: 60, authFailuresPerMinute: 30 },
    trustedProxies: [],
    metrics: true,
    providerKeys: new Map([[UPSTREAM_KEY_ENV, 'sk-bench-upstream']]),
  },
  {
    logger: createLogger('data-plane', { level: 'info' }),
    store: { current: () => view, appliedAtMs: Date.now(), waitFor: async () => {} } as never,
    spendFloors: { floor: () => FUNDED_SPEND_FLOOR } as never,
    counters: createInProcessCounterStore(),
    rateCells: createInProcessRateLimitStore(),
    spoolDirectory: directory,
    listen: 'exclusive',
    describeProviderKeys: false,
  },
);

// The Pool each upstream origin gets: replaced once the first request made it (call-upstream.ts keeps it per URL).
const { Pool } = await import('undici');
const poolPrototype = Pool.prototype as unknown as { dispatch(options: unknown, handler: DispatchHandler): boolean };
const realDispatch = poolPrototype.dispatch;
poolPrototype.dispatch = function dispatch(this: unknown, options: unknown, handler: DispatchHandler): boolean {
  // Only the pipeline's upstream calls (call-upstream.ts's handlers); the usage shipper's fetch to the
  // absent control plane goes out and fails (its first round, at start).
  if (typeof handler.onRequestStart !== 'function') return realDispatch.call(this, options, handler);
  setImmediate(answer, handler);
  return true;
};

const recorded = routes.get('post /v1/chat/completions');
if (recorded === undefined) throw new Error('no chat route recorded');
const chat: Handler = recorded;
const body = Buffer.from(JSON.stringify({ model: 'simulator/echo', messages: [{ role: 'user', content: 'Hello, benchmark' }] }));
const headers: Record<string, string> = {
  host: '127.0.0.1:8080',
  'content-type': 'application/json',
  'content-length': String(body.length),
  authorization: `Bearer ${BENCH_API_KEY}`,
};
const headerList = Object.entries(headers);

let failed = 0;
// The fake request and response are made with functions made once (class methods, module-level functions),
// not arrow functions made per request: tsx names each of those as it is made (keepNames' `__name`, an
// Object.defineProperty each, 15 a request, about 10 % of the counted window), which is the harness's cost,
// not the data plane's.
const remoteAddress = new TextEncoder().encode('127.0.0.1').buffer;
/** uWS's HttpResponse as the chat route uses it; `done` once the answer was ended. */
class FakeResponse {
  #onData: ((chunk: ArrayBuffer, isLast: boolean) => void) | null = null;
  #status = '';
  readonly #done: () => void;
  constructor(done: () => void) {
    this.#done = done;
  }
  onAborted(): this {
    return this;
  }
  onData(handler: (chunk: ArrayBuffer, isLast: boolean) => void): this {
    this.#onData = handler;
    return this;
  }
  /** The body, in a later callback of uWS's, as one chunk. */
  deliver(chunk: ArrayBuffer): void {
    this.#onData?.(chunk, true);
  }
  cork(write: () => void): this {
    write();
    return this;
  }
  writeStatus(line: string): this {
    this.#status = line;
    return this;
  }
  writeHeader(): this {
    return this;
  }
  end(): this {
    if (!this.#status.startsWith('200')) failed += 1;
    this.#done();
    return this;
  }
  pause(): void {}
  resume(): void {}
  onWritable(): this {
    return this;
  }
  getRemoteAddressAsText(): ArrayBuffer {
    return remoteAddress;
  }
}
/** uWS's HttpRequest: the same every request (uWS's is only read inside the handler, as this one is). */
const fakeRequest = {
  getHeader(name: string): string {
    return headers[name] ?? '';
  },
  forEach(visit: (name: string, value: string) => void): void {
    for (const [name, value] of headerList) visit(name, value);
  },
  getUrl(): string {
    return '/v1/chat/completions';
  },
  getMethod(): string {
    return 'post';
  },
  getQuery(): string {
    return '';
  },
};
function deliverBody(response: FakeResponse, chunk: ArrayBuffer): void {
  response.deliver(chunk);
}
function startRequest(done: () => void): void {
  const response = new FakeResponse(done);
  chat(response, fakeRequest);
  // The body arrives in a later callback of uWS's, as one chunk (a copy: uWS's buffer is its own).
  setImmediate(deliverBody, response, body.buffer.slice(body.byteOffset, body.byteOffset + body.length));
}
/** One request through the chat route; resolves when its answer was ended. */
function oneRequest(): Promise<void> {
  return new Promise(startRequest);
}

async function run(count: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next += 1;
      await oneRequest();
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
}

await run(warmup);
let promises = 0;
const hook = createHook({
  init(_id, type) {
    if (type === 'PROMISE') promises += 1;
  },
});
const gc = (globalThis as { gc?: () => void }).gc;
if (countHeap && gc === undefined) throw new Error('--heap needs --expose-gc');
gc?.();
const heapBefore = process.memoryUsage().heapUsed;
if (countPromises) hook.enable();
if (underCallgrind) await callgrind('-i', 'on');
await run(requests);
if (underCallgrind) await callgrind('-i', 'off');
hook.disable();
const heapAfter = process.memoryUsage().heapUsed;
if (failed > 0) throw new Error(`${failed} requests were not answered 200`);
const report: string[] = [`${root}: ${requests} requests after ${warmup}`];
if (countPromises) report.push(`promises per request ${(promises / requests).toFixed(2)}`);
if (countHeap) report.push(`heap bytes per request ${Math.round((heapAfter - heapBefore) / requests)} (no scavenge in the window: check --trace-gc)`);
process.stderr.write(`${report.join('; ')}\n`);
await serving.close();
await rm(directory, { recursive: true, force: true });
