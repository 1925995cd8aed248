// The only module that loads uWebSockets.js. The package silently falls back to a slow JavaScript
// emulation when its native binary cannot load (or when UWS_USE_FALLBACK is set); the data plane
// refuses to run on that emulation, so this module tells the two apart.
import uws from 'uWebSockets.js';

export { uws };

/** True when uWebSockets.js runs on its native binary, not the JavaScript fallback in `dist/`. */
export function isNativeUws(): boolean {
  const loaded = uws as unknown as Record<string, unknown>;
  // The fallback exports a plain JS `App` (and a `default`); the native addon's functions are native code.
  return typeof loaded.App === 'function' && Function.prototype.toString.call(loaded.App).includes('[native code]') && !('default' in loaded);
}

export const UWS_FALLBACK_MESSAGE =
  'uWebSockets.js is running on its JavaScript fallback (the native binary did not load, or UWS_USE_FALLBACK is set). ' +
  'The data plane refuses to start on the fallback: it is far slower and does not implement backpressure faithfully. ' +
  `Use a Node.js version with a bundled binary (this is ${process.platform}-${process.arch}, ABI ${process.versions.modules}) and unset UWS_USE_FALLBACK.`;

export function assertNativeUws(): void {
  if (!isNativeUws()) throw new Error(UWS_FALLBACK_MESSAGE);
}
