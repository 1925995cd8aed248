// Instructions per answer of the non-streamed answer path alone, in one process: a uWS listener whose
// POST handler does what the data plane does around a complete answer (the request's Content-Length
// check and body read, then, on a later turn, the upstream's 1 KiB answer parsed, its model and cost
// fields spliced in, the metering and served-by headers, and the corked write to the client), with
// nothing else (no upstream call, no auth, no spool). The listener runs under
// `valgrind --tool=callgrind --instr-atstart=no`; a client in this process sends a warm-up, then the
// counted requests between `callgrind_control -i on` and `-i off` (a closed loop, 8 in flight).
// Smaller and steadier than bench/count-instructions.ts (the whole data plane), so it decides changes of
// a few hundred instructions in the answer's own path.
//
//   node --import tsx bench/count-answer-instructions.ts [--root=DIR[,DIR]] [--warmup=20000] [--requests=20000] [--runs=1] [--top=N] [--flags="node flags"]
//
// Several roots are counted alternately, --runs times each. Prints the main thread's instructions per
// answer, and with --top=N the last run's top functions by self count (callgrind_annotate).
import { execFile, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { Pool } from 'undici';
import { countRounds } from './callgrind-rounds.ts';
import { option } from './command-line-option.ts';
import { REPOSITORY_ROOT } from './targets.ts';
import { nonStreamedReply } from './upstream-simulator.ts';

const run = promisify(execFile);

/** The listener: loads the answer path from `root` and serves POST /answer until stdin closes. */
async function serve(root: string): Promise<void> {
  const from = (path: string) => import(join(root, 'data-plane/src', path));
  const { uws } = await from('http/uws-runtime.ts');
  const { ClientResponse } = await from('http/client-response.ts');
  const { requestId } = await from('http/request-id.ts');
  const { contentLengthOf } = await from('http/content-length.ts');
  const { sendJson } = await from('http/send-json.ts');
  const { meteringHeaders, withUsageCost } = await from('metering/with-usage-cost.ts');
  const { convertOpenAICompatibleResponse } = await from('providers/openai-compatible/convert-openai-compatible-response.ts');
  const route = { route: 'chat', door: 'openai', operation: 'chat', accessLevel: null };
  const reply = nonStreamedReply(1024);
  const rate = { 'x-ratelimit-limit-requests': '600', 'x-ratelimit-remaining-requests': '599', 'x-ratelimit-reset-requests': '100ms' };
  let served = 0;
  const answer = (response: InstanceType<typeof ClientResponse>) => {
    // What the metered route does once the upstream's bytes are read (pipeline/metered-route.ts).
    const converted = convertOpenAICompatibleResponse(Buffer.from(reply));
    served += 1;
    const event = { costMicros: 69 + (served % 1000), upstreamCostMicros: null, ttftMs: null, totalLatencyMs: 1.25 + (served % 100), promptTokens: 3 };
    const headers = meteringHeaders(event);
    headers['x-gateway-provider'] = 'simulator';
    headers['x-gateway-model'] = 'echo';
    Object.assign(headers, rate);
    sendJson(response, 200, withUsageCost(converted.body, event, 'bench/echo', converted.parsedBody, converted.bodyText), headers);
  };
  const app = uws.App();
  app.post('/answer', (native: unknown, request: unknown) => {
    const response = new ClientResponse(native, requestId(), route);
    if (contentLengthOf(request) === null) throw new Error('two content-length headers');
    response.onData((_chunk: ArrayBuffer, isLast: boolean) => {
      if (isLast) setImmediate(answer, response);
    });
  });
  app.listen('127.0.0.1', 0, (socket: unknown) => {
    process.stdout.write(`${uws.us_socket_local_port(socket)}\n`);
  });
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
}

async function requests(pool: Pool, count: number): Promise<void> {
  let next = 0;
  const body = JSON.stringify({ model: 'bench/echo', messages: [{ role: 'user', content: 'x'.repeat(900) }] });
  const worker = async () => {
    while (next < count) {
      next += 1;
      const answer = await pool.request({
        method: 'POST',
        path: '/answer',
        headers: { authorization: 'Bearer sk-bench', 'content-type': 'application/json' },
        body,
      });
      await answer.body.arrayBuffer();
      if (answer.statusCode !== 200) throw new Error(`status ${answer.statusCode}`);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

async function count(root: string, args: string[], directory: string): Promise<{ main: number; pid: number }> {
  const warmup = Number(option(args, 'warmup') ?? 20000);
  const measured = Number(option(args, 'requests') ?? 20000);
  const child = spawn(
    'valgrind',
    [
      '--tool=callgrind',
      '--instr-atstart=no',
      '--separate-threads=yes',
      `--callgrind-out-file=${directory}/callgrind.out.%p`,
      process.execPath,
      ...(option(args, 'flags') ?? '').split(' ').filter(Boolean),
      '--import',
      'tsx',
      join(REPOSITORY_ROOT, 'bench/count-answer-instructions.ts'),
      '--serve',
      `--root=${root}`,
    ],
    { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] },
  );
  try {
    const lines = createInterface({ input: child.stdout });
    // The port is the first line that is a number; anything else (--flags=--trace-opt) goes to stderr.
    const port = await new Promise<number>((done) =>
      lines.on('line', (line) => {
        if (/^\d+$/.test(line)) done(Number(line));
        else process.stderr.write(`${line}\n`);
      }),
    );
    const pool = new Pool(`http://127.0.0.1:${port}`, { connections: 8 });
    await requests(pool, warmup);
    await run('callgrind_control', ['-i', 'on', String(child.pid)]);
    await requests(pool, measured);
    await run('callgrind_control', ['-i', 'off', String(child.pid)]);
    await run('callgrind_control', ['-d', String(child.pid)]);
    await pool.close();
    const { stdout } = await run('sh', ['-c', `grep -H '^totals:' ${directory}/callgrind.out.${child.pid}.*1-01`]);
    return { main: Number(stdout.trim().split(/\s+/)[1]) / measured, pid: child.pid as number };
  } finally {
    child.stdin.end();
    await new Promise((done) => child.once('exit', done));
  }
}

const args = process.argv.slice(2);
if (args.includes('--serve')) await serve(resolve(option(args, 'root') ?? REPOSITORY_ROOT));
else
  await countRounds(args, async (root, directory) => {
    const { main, pid } = await count(root, args, directory);
    return { text: `instructions per answer (main thread) ${Math.round(main).toLocaleString('en')}`, pid };
  });
