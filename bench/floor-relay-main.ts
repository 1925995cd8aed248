// Child-process entry of the floor relay (floor-relay.ts), so the harness can pin it to the target CPU:
// `node --import tsx bench/floor-relay-main.ts '{"port":0,"upstreamUrl":"..."}'`. Prints `listening <port>`.
import { startFloorRelay } from './floor-relay.ts';

const options = JSON.parse(process.argv[2] ?? '{}') as { port: number; upstreamUrl: string };
const relay = await startFloorRelay(options);
process.stdout.write(`listening ${relay.port}\n`);
process.on('SIGTERM', () => {
  void relay.close().finally(() => process.exit(0));
});
