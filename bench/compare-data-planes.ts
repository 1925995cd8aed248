// A/B comparison of two data planes on this loaded machine: `a` (another checkout, --base) and `b` (this
// one) run side by side, pinned to the same CPU, against one simulator and fake control plane each; wrk
// saturates them in alternating rounds (a, b, b, a, ...) and the CPU per request of each round is read
// from /proc. The medians, and the median of the per-round b/a ratios, show a change of a few percent
// that one run of the full bench cannot tell from the noise of other processes. With --rate an open loop
// replaces wrk, so both sides see the same request rate whatever else the machine runs; with --paired
// both get it at the same time (alternate-rounds.ts), which also cancels what the machine does meanwhile.
// Alternating rounds also print each side's latency ladder per round and the medians of its steps, so
// --connections=1 compares what a lone client waits, and --rate the latency at that rate (--stream: TTFT).
//
//   npm run bench:compare -- --base=/path/to/other/checkout [--rounds=8]
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { alternateRounds, median, pairedRounds, quantile, type RoundLoad } from './alternate-rounds.ts';
import { LADDER_STEPS, type LatencyLadder } from './latency-stats.ts';
import {
  BENCH_DOORS,
  PROMPT_SHAPES,
  REPOSITORY_ROOT,
  startGatewayTarget,
  startSimulator,
  type BenchDoor,
  type GatewayTarget,
  type PromptShape,
} from './targets.ts';
import { option } from './command-line-option.ts';

const TARGET_CPU = 0;
const LOAD_CPU = 1;

const help = `Usage: npm run bench:compare -- [options]

Runs two data planes (fake control plane, usage spool on) side by side on CPU ${TARGET_CPU} and saturates
them with wrk in alternating rounds; prints the CPU µs per request of each round, the medians and the
median of the per-round b/a ratios, and (alternating rounds) each side's latency ladder per round with
the medians of p50, p90, p99 and p99.9 and their per-round b/a ratios: --connections=1 is what a lone
client waits. Run it on an otherwise idle machine, like the bench.

Options:
  --base=DIR            the checkout of side a (its node_modules must resolve)   default this one (an a/a run: the noise)
  --rounds=N            rounds per side                                          default 8
  --seconds=S           wrk seconds per round                                    default 3
  --connections=C       wrk connections                                          default 32
  --prompt-bytes=N      prompt size (default: a short prompt)
  --prompt-shape=S      single: one user message of that size; agent: a history of 2-8 KiB turns (code,
                        escapes, non-ASCII) and twenty tool definitions, as coding agents send (chat,
                        chat-anthropic and chat-mistral only)
                                                                                 default single
  --stream              streamed requests
  --door=D              chat, messages or responses: Anthropic Messages (/v1/messages) to an endpoint of kind
                        anthropic, or Responses (/v1/responses) to one of the provider \`openai\`, both on the
                        simulator and passed through natively (non-streamed)     default chat
                        messages-translated: Messages to the simulator's chat endpoint, translated
                        chat-anthropic, chat-mistral: chat translated for an endpoint of kind anthropic or
                        mistral on the simulator (either prompt shape); fim: /v1/fim/completions to the
                        mistral one
  --rate=N              an open loop at N requests/s instead of wrk's saturation: both sides batch alike
                        (at saturation CPU per request also moves with the throughput other processes leave)
  --paired              with --rate: both sides get the rate at the same time in each round, their CPU read
                        in nanoseconds; what else the machine runs weighs on both alike
  --a-flags="..."       node flags of side a (e.g. --max-semi-space-size=64)
  --b-flags="..."       node flags of side b
  --a-env=K=V,K=V       environment of side a's data plane
  --b-env=K=V,K=V       environment of side b's data plane
`;

function envOption(raw: string | undefined): NodeJS.ProcessEnv {
  if (!raw) return {};
  return Object.fromEntries(raw.split(',').map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--help')) return void process.stdout.write(help);
  const base = resolve(option(args, 'base') ?? REPOSITORY_ROOT);
  const rounds = Number(option(args, 'rounds') ?? 8);
  const seconds = Number(option(args, 'seconds') ?? 3);
  const connections = Number(option(args, 'connections') ?? 32);
  const promptBytes = option(args, 'prompt-bytes') === undefined ? undefined : Number(option(args, 'prompt-bytes'));
  const load: RoundLoad = {
    stream: args.includes('--stream'),
    promptBytes,
    promptShape: (option(args, 'prompt-shape') ?? 'single') as PromptShape,
    connections,
    rate: option(args, 'rate') === undefined ? undefined : Number(option(args, 'rate')),
    seconds,
    loadCpu: LOAD_CPU,
  };
  if (!PROMPT_SHAPES.includes(load.promptShape!)) throw new Error(`--prompt-shape is one of ${PROMPT_SHAPES.join(', ')}`);
  const door = (option(args, 'door') ?? 'chat') as BenchDoor;
  if (!BENCH_DOORS.includes(door)) throw new Error(`--door is one of ${BENCH_DOORS.join(', ')}`);
  if (door !== 'chat' && load.stream) throw new Error(`--door=${door} measures non-streamed requests`);
  const flags = (side: string) => option(args, `${side}-flags`)?.split(' ').filter(Boolean) ?? [];
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const loadAverage = () =>
    loadavg()
      .map((value) => value.toFixed(2))
      .join(' ');

  log(`a: ${base} ${flags('a').join(' ')}\nb: ${REPOSITORY_ROOT} ${flags('b').join(' ')}\nload average ${loadAverage()}`);
  const simulator = await startSimulator({ ttftMs: 0, interChunkMs: 1, chunkCount: 20, responseBytes: 1024 }, LOAD_CPU);
  const sides: Record<'a' | 'b', GatewayTarget | null> = { a: null, b: null };
  try {
    sides.a = await startGatewayTarget(simulator, TARGET_CPU, flags('a'), { name: 'gateway', root: base, env: envOption(option(args, 'a-env')), door });
    sides.b = await startGatewayTarget(simulator, TARGET_CPU, flags('b'), { name: 'gateway', env: envOption(option(args, 'b-env')), door });
    const paired = args.includes('--paired');
    if (paired && load.rate === undefined) throw new Error('--paired needs --rate');
    const result = paired
      ? await pairedRounds({ a: sides.a, b: sides.b }, { ...load, rate: load.rate as number }, rounds, log)
      : await alternateRounds({ a: sides.a, b: sides.b }, load, rounds, log);
    if (result.latency !== undefined) {
      const { a, b } = result.latency;
      for (const step of LADDER_STEPS) {
        const ratios = b.map((ladder, index) => ladder[step] / (a[index] as LatencyLadder)[step]);
        log(
          `median latency ${step}: a ${median(a.map((ladder) => ladder[step])).toFixed(0)} µs, b ${median(b.map((ladder) => ladder[step])).toFixed(0)} µs; median b/a ${median(ratios).toFixed(3)} (quartiles ${quantile(ratios, 0.25).toFixed(3)}-${quantile(ratios, 0.75).toFixed(3)})`,
        );
      }
    }
    log(
      `median CPU µs/request: a ${result.medianA.toFixed(1)}, b ${result.medianB.toFixed(1)}; median b/a ${result.medianRatio.toFixed(3)} (quartiles ${result.lowerQuartileRatio.toFixed(3)}-${result.upperQuartileRatio.toFixed(3)}, min ${result.minRatio.toFixed(3)}, max ${result.maxRatio.toFixed(3)}); load average ${loadAverage()}`,
    );
  } finally {
    await sides.a?.stop();
    await sides.b?.stop();
    await simulator.process.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:compare: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
