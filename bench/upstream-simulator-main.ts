// Child-process entry of the upstream simulator, so the harness can pin it to its own CPU:
// `node --import tsx bench/upstream-simulator-main.ts '<UpstreamSimulatorOptions as JSON>'`.
// Prints `listening <port>` once ready; exits on SIGTERM.
import { startUpstreamSimulator, type UpstreamSimulatorOptions } from './upstream-simulator.ts';

const options = JSON.parse(process.argv[2] ?? '{}') as UpstreamSimulatorOptions;
const simulator = await startUpstreamSimulator(options);
process.stdout.write(`listening ${simulator.port}\n`);
process.on('SIGTERM', () => {
  simulator.close();
  process.exit(0);
});
