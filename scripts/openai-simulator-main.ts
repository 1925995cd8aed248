// npm start's upstream simulator as a process of its own: `node --import tsx scripts/openai-simulator-main.ts <port>`.
// Prints `listening <base URL>` once it answers. Nothing is recorded: it serves for as long as npm start runs.
import { startOpenAISimulator } from '../simulators/openai/openai-simulator.ts';

const simulator = await startOpenAISimulator({ port: Number(process.argv[2] ?? 0), record: false });
process.stdout.write(`listening ${simulator.baseUrl}\n`);
