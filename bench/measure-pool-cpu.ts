// CPU per request of undici's Pool and of the data plane's WarmPool (data-plane/src/pipeline/warm-pool.ts)
// side by side in one process, against one local node:http server that answers at once: each pool first
// opens --spare connections in a burst, then rounds of --requests requests with --in-flight in flight,
// alternating the pools, and the process's CPU time (client and server together) per request of each
// round. The WarmPool sends a request over each spare connection once per --keep-warm-ms, so the spare
// connections and the sweep are what differs; --keep-warm-ms=100 makes that ten times what it is in the
// data plane (1 s), to see it at all.
//   node --import tsx bench/measure-pool-cpu.ts [--spare=100] [--in-flight=8] [--requests=20000] [--rounds=8] [--keep-warm-ms=1000] [--keep-alive-ms=30000]
import { createServer } from 'node:http';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { Pool, type Dispatcher } from 'undici';
import { WarmPool } from '../data-plane/src/pipeline/warm-pool.ts';

const { values } = parseArgs({
  options: {
    spare: { type: 'string', default: '100' },
    'in-flight': { type: 'string', default: '8' },
    requests: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '8' },
    'keep-warm-ms': { type: 'string', default: '1000' },
    'keep-alive-ms': { type: 'string', default: '30000' },
  },
});

let held: (() => void)[] | null = null;
const server = createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    const answer = () => response.end('{"ok":true}');
    if (held === null) return answer();
    held.push(answer);
    if (held.length < Number(values.spare)) return;
    for (const each of held) each();
    held = null;
  });
});
server.keepAliveTimeout = 0;
await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
const origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;

const pools: Record<string, Pool> = {
  Pool: new Pool(origin, { keepAliveTimeout: Number(values['keep-alive-ms']) }),
  WarmPool: new WarmPool(origin, { keepAliveTimeout: Number(values['keep-alive-ms']), keepWarmMs: Number(values['keep-warm-ms']) }),
};
const options: Dispatcher.RequestOptions = { path: '/v1/chat/completions', method: 'POST', headers: ['content-type', 'application/json'], body: '{}' };
const call = async (pool: Pool) => {
  const answer = await pool.request(options);
  await answer.body.text();
};
for (const pool of Object.values(pools)) {
  held = [];
  await Promise.all(Array.from({ length: Number(values.spare) }, () => call(pool)));
}

const perRequest: Record<string, number[]> = { Pool: [], WarmPool: [] };
for (let round = 0; round < Number(values.rounds); round++) {
  for (const [name, pool] of round % 2 === 0 ? Object.entries(pools) : Object.entries(pools).reverse()) {
    let left = Number(values.requests);
    const before = process.cpuUsage();
    await Promise.all(
      Array.from({ length: Number(values['in-flight']) }, async () => {
        while (left-- > 0) await call(pool);
      }),
    );
    const cpu = process.cpuUsage(before);
    perRequest[name]!.push((cpu.user + cpu.system) / Number(values.requests));
  }
}
const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]!;
const ratios = perRequest.WarmPool!.map((warm, index) => warm / perRequest.Pool![index]!);
process.stdout.write(
  `CPU µs/request (client and server), median: Pool ${median(perRequest.Pool!).toFixed(2)}, WarmPool ${median(perRequest.WarmPool!).toFixed(2)}; ` +
    `per-round WarmPool/Pool ${ratios.map((ratio) => ratio.toFixed(3)).join(' ')}, median ${median(ratios).toFixed(3)}; ` +
    `connections open: Pool ${pools.Pool!.stats.connected}, WarmPool ${pools.WarmPool!.stats.connected}; load ${loadavg()
      .map((load) => load.toFixed(2))
      .join(' ')}\n`,
);
await Promise.all(Object.values(pools).map((pool) => pool.close()));
server.close();
