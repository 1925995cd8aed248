// The only module that loads uWebSockets.js. The package silently falls back to a slow JavaScript
// emulation when its native binary cannot load (or when UWS_USE_FALLBACK is set); the data plane
// refuses to run on that emulation, so this module tells the two apart.
import uws, { type TemplatedApp, type us_listen_socket } from 'uWebSockets.js';

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

/** uSockets' LIBUS_LISTEN_EXCLUSIVE_PORT: the port is bound without SO_REUSEPORT, so it cannot be shared. */
const LISTEN_EXCLUSIVE_PORT = 1;
type ListenWithOptions = (host: string, port: number, options: number, callback: (socket: us_listen_socket | false) => void) => TemplatedApp;

/** app.listen(host, port, options, callback): the native addon takes it, the typings list options only without a host. */
export function listenExclusively(app: TemplatedApp, host: string, port: number, callback: (socket: us_listen_socket | false) => void): void {
  (app.listen as unknown as ListenWithOptions).call(app, host, port, LISTEN_EXCLUSIVE_PORT, callback);
}

/** app.listen with uWS's default SO_REUSEPORT: the data plane's worker threads each listen on the same port. */
export function listenShared(app: TemplatedApp, host: string, port: number, callback: (socket: us_listen_socket | false) => void): void {
  app.listen(host, port, callback);
}

/** app.close(): the native addon has it (it closes the app's open connections too); the typings do not list it. */
export function closeApp(app: TemplatedApp): void {
  (app as TemplatedApp & { close(): void }).close();
}
