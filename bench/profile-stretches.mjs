// What a thread ran in a window, from a V8 CPU profile (`--cpu-prof`; with `npm run bench:swap --
// --timeline --b-flags="--cpu-prof --cpu-prof-dir=DIR --cpu-prof-interval=250"` each thread of each data
// plane writes one, the main thread's file name ending in .0.001.cpuprofile, and the harness prints each
// round's publish on the profiles' clock). Lists, between FROM and TO (µs, CLOCK_MONOTONIC like the
// profile's timestamps; default the whole profile):
// - silences: intervals of MIN ms or more with no sample. The sampler interrupts the thread every
//   interval; none for 100 ms means nothing on its CPU ran, this thread or the sampler (on this VM the
//   hypervisor took the CPU: every thread of the process fell silent in the same 100-108 ms);
// - busy stretches of MIN ms or more (consecutive samples that are not `(idle)`), with the functions
//   that took the most of each, by self and by inclusive time.
//
//   node bench/profile-stretches.mjs FILE.cpuprofile [MIN=5] [FROM] [TO]
import { readFileSync } from 'node:fs';

const [file, minArg = '5', fromArg = '0', toArg = 'Infinity'] = process.argv.slice(2);
if (file === undefined) {
  process.stderr.write('usage: node bench/profile-stretches.mjs FILE.cpuprofile [MIN_MS=5] [FROM_US] [TO_US]\n');
  process.exit(2);
}
const minUs = Number(minArg) * 1000;
const [from, to] = [Number(fromArg), Number(toArg)];
const profile = JSON.parse(readFileSync(file, 'utf8'));
const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
const parents = new Map(profile.nodes.flatMap((node) => (node.children ?? []).map((child) => [child, node.id])));
const frame = (node) => `${node.callFrame.functionName || '(anonymous)'} ${node.callFrame.url.split('/').slice(-2).join('/')}:${node.callFrame.lineNumber + 1}`;
/** The frames of a sample's stack, innermost first, without the root. */
function stackOf(id) {
  const frames = [];
  for (let at = id; at !== undefined; at = parents.get(at)) if (nodes.get(at).callFrame.functionName !== '(root)') frames.push(frame(nodes.get(at)));
  return frames;
}
const idle = (id) => nodes.get(id).callFrame.functionName === '(idle)';

// A sample stands for the interval since the one before it (timeDeltas), so a silence is one long delta.
const samples = [];
let time = profile.startTime;
profile.samples.forEach((id, index) => {
  time += profile.timeDeltas[index];
  samples.push({ id, end: time, start: time - profile.timeDeltas[index] });
});
const inWindow = samples.filter((sample) => sample.end >= from && sample.start <= to);
const ms = (micros) => (micros / 1000).toFixed(1);
const at = (micros) => `${micros} µs (+${((micros - profile.startTime) / 1e6).toFixed(3)} s into the profile)`;

for (const sample of inWindow) {
  if (sample.end - sample.start >= minUs)
    process.stdout.write(`silence from ${at(sample.start)} for ${ms(sample.end - sample.start)} ms, then ${stackOf(sample.id).slice(0, 6).join(' < ')}\n`);
}

const top = (times, count) =>
  [...times]
    .sort((one, other) => other[1] - one[1])
    .slice(0, count)
    .map(([name, micros]) => `    ${ms(micros)} ms ${name}`)
    .join('\n');
let stretch = [];
const report = () => {
  const busy = stretch.reduce((sum, sample) => sum + sample.end - sample.start, 0);
  if (busy >= minUs) {
    const self = new Map();
    const inclusive = new Map();
    for (const sample of stretch) {
      const frames = stackOf(sample.id);
      const micros = sample.end - sample.start;
      self.set(frames[0], (self.get(frames[0]) ?? 0) + micros);
      for (const name of new Set(frames)) inclusive.set(name, (inclusive.get(name) ?? 0) + micros);
    }
    process.stdout.write(`busy from ${at(stretch[0].start)} for ${ms(busy)} ms\n  self:\n${top(self, 6)}\n  inclusive:\n${top(inclusive, 12)}\n`);
  }
  stretch = [];
};
for (const sample of inWindow) {
  // A silence is not counted as the thread's work: whatever ran then, the profile cannot say.
  if (idle(sample.id) || sample.end - sample.start >= minUs) report();
  else stretch.push(sample);
}
report();
