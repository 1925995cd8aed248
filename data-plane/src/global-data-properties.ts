// Imported by the data plane's entries (main.ts, workers/data-plane-worker.ts), for what it does on
// import: `Buffer` and `performance` become plain data properties of globalThis, holding what they held.
//
// Why: Node 20 defines both as accessors on globalThis (a getter and a setter, `performance` loaded
// lazily). V8's optimised code cannot treat an accessor global as a constant, so every `Buffer.from(...)`,
// `Buffer.byteLength(...)` and `performance.now()` in the request path was a call to the generic
// LoadGlobalIC builtin and then to Node's getter: 42 such sites in the optimised code of a request
// (docs/architecture.md, Where the time goes, 2026-12-07). A data property is read as a constant (V8
// deoptimises the code that relied on it if it is ever assigned). Reading either name gives the same
// object as before and assigning it still replaces it; only its descriptor changes (value and writable
// instead of get and set).
import { Buffer } from 'node:buffer';
import { performance } from 'node:perf_hooks';

function asDataProperty(name: 'Buffer' | 'performance', value: unknown): void {
  const descriptor = Object.getOwnPropertyDescriptor(globalThis, name);
  // Already data (another Node), or not ours to redefine: left as it is.
  if (descriptor === undefined || descriptor.get === undefined || descriptor.configurable !== true) return;
  // What the getter returns now: a value set earlier through the setter wins over the module's.
  const current = descriptor.get.call(globalThis) as unknown;
  Object.defineProperty(globalThis, name, { value: current ?? value, writable: true, configurable: true, enumerable: descriptor.enumerable ?? false });
}

asDataProperty('Buffer', Buffer);
asDataProperty('performance', performance);
