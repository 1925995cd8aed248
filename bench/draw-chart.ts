// The PNG beside the Markdown: saturated throughput per target (linear), and the overhead against
// direct at p50 and p99 at one fixed rate (log scale, since the targets differ by orders of
// magnitude). Horizontal bars with the values written beside them.
import { overheadLadder } from './latency-stats.ts';
import { PngImage, type Rgb } from './png-image.ts';
import type { TargetName } from './targets.ts';
import type { BenchResults } from './write-report.ts';

const WIDTH = 760;
const LABEL_WIDTH = 100;
const BAR_AREA = 480;
const BAR_HEIGHT = 16;
const INK: Rgb = [30, 30, 30];
const COLORS: Record<TargetName, Rgb> = {
  direct: [150, 150, 150],
  nginx: [46, 125, 50],
  floor: [120, 144, 156],
  portkey: [198, 40, 40],
  gateway: [21, 101, 192],
  'gateway-fdatasync': [0, 131, 143],
  'gateway-full': [106, 27, 154],
  'gateway-start': [239, 108, 0],
};
const LIGHT = (color: Rgb): Rgb => [
  Math.round(color[0] + (255 - color[0]) / 2),
  Math.round(color[1] + (255 - color[1]) / 2),
  Math.round(color[2] + (255 - color[2]) / 2),
];

interface Bar {
  label: string;
  value: number;
  text: string;
  color: Rgb;
}

function panel(image: PngImage, top: number, title: string, bars: Bar[], scale: (value: number) => number): number {
  image.text(10, top, title, INK);
  let y = top + 22;
  for (const bar of bars) {
    image.text(10, y + 3, bar.label, INK);
    const length = Math.max(1, Math.min(BAR_AREA, scale(bar.value) * BAR_AREA));
    image.fillRect(LABEL_WIDTH, y, length, BAR_HEIGHT, bar.color);
    image.text(LABEL_WIDTH + length + 6, y + 3, bar.text, INK);
    y += BAR_HEIGHT + 6;
  }
  return y + 14;
}

export function drawChart(results: BenchResults): Buffer {
  const names = (Object.keys(results.targets) as TargetName[]).filter((name) => results.targets[name] !== undefined);
  const proxies = names.filter((name) => name !== 'direct');
  // The highest rate the data plane sustained, so its bars are there; else the lowest rate planned.
  const measuredRates = results.targets.gateway?.fixedRate.map((run) => run.rate) ?? [];
  const rate = measuredRates.length > 0 ? Math.max(...measuredRates) : Math.min(...results.plan.rates);
  const image = new PngImage(WIDTH, 90 + names.length * 22 + proxies.length * 44 + 60, [255, 255, 255]);

  const saturated = names.map((name) => results.targets[name]?.saturation.requestsPerSecond ?? 0);
  const top = Math.max(1, ...saturated);
  let y = panel(
    image,
    12,
    `saturated req/s (wrk, ${results.plan.saturationConnections} connections)`,
    names.map((name, index) => ({
      label: name,
      value: saturated[index] as number,
      text: Math.round(saturated[index] as number).toLocaleString('en-US'),
      color: COLORS[name],
    })),
    (value) => value / top,
  );

  const direct = results.targets.direct?.fixedRate.find((run) => run.rate === rate);
  const bars: Bar[] = [];
  for (const name of proxies) {
    const run = results.targets[name]?.fixedRate.find((candidate) => candidate.rate === rate);
    if (run === undefined || direct === undefined) continue;
    const overhead = overheadLadder(run.latency, direct.latency);
    bars.push({ label: `${name} p50`, value: overhead.p50, text: `${Math.round(overhead.p50).toLocaleString('en-US')} us`, color: LIGHT(COLORS[name]) });
    bars.push({ label: `${name} p99`, value: overhead.p99, text: `${Math.round(overhead.p99).toLocaleString('en-US')} us`, color: COLORS[name] });
  }
  const largest = Math.max(10, ...bars.map((bar) => bar.value));
  y = panel(image, y, `overhead vs direct at ${rate} req/s, us (log scale)`, bars, (value) => (value <= 1 ? 0 : Math.log10(value) / Math.log10(largest)));
  image.text(10, y, `${results.mode} run ${results.startedAt.slice(0, 16)} - load avg ${results.machine.loadAverageAtStart[0]?.toFixed(1)}`, [110, 110, 110]);
  return image.encode();
}
