// A preload counting Object.defineProperty calls (issue 19): tsx's keepNames names each named closure,
// arrow-function class field or function expression as it is made, with `__name` (an Object.defineProperty
// of `name` each). Prints, when the process exits, the calls and the sites that made the most of them,
// and the setTimeout calls (each a Timeout object and a timer list insertion):
//
//   node --import tsx --import ./bench/count-define-property.mjs bench/count-promises.ts --stream --requests=2000 --rounds=1
//
// Run it at two request counts and subtract: what is left is per request (start-up's calls cancel out).
const define = Object.defineProperty;
let calls = 0;
const sites = new Map();
Object.defineProperty = function countedDefineProperty(target, key, descriptor) {
  calls += 1;
  if (key === 'name') {
    // The frame that made the named function: the caller of tsx's __name.
    const frames = new Error().stack.split('\n');
    const site = `${frames[3]?.trim() ?? '?'} (${String(descriptor?.value)})`;
    sites.set(site, (sites.get(site) ?? 0) + 1);
  }
  return define(target, key, descriptor);
};
const { setTimeout: nativeSetTimeout } = globalThis;
let timeouts = 0;
globalThis.setTimeout = function countedSetTimeout(...args) {
  timeouts += 1;
  return nativeSetTimeout(...args);
};
process.on('exit', () => {
  process.stderr.write(`setTimeout calls: ${timeouts}\n`);
  const top = [...sites].sort((a, b) => b[1] - a[1]).slice(0, 15);
  process.stderr.write(`Object.defineProperty calls: ${calls}\n${top.map(([site, n]) => `  ${n}  ${site}`).join('\n')}\n`);
});
