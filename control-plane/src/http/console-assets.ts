// Serves the admin console's build (console/dist, written by `npm run build:console`) at `/`: index.html
// and the hashed files under /assets/. The build is read into memory (and gzipped) once at start, so a
// request can only ever name a file of the build: nothing from the URL reaches the file system. Hashed
// assets are cached for a year; index.html is revalidated, so a new build shows at the next load.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/** console/dist beside the sources, or dist/console/dist beside the compiled control plane (`npm run build` copies it). */
const CONSOLE_DIR = fileURLToPath(new URL('../../../console/dist/', import.meta.url));

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

// Scripts only from this origin; ECharts positions its tooltip with inline styles.
const securityHeaders = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

interface Asset {
  body: Buffer;
  gzipped: Buffer | null;
  headers: Record<string, string>;
}

export type ConsoleAssetHandler = (request: IncomingMessage, response: ServerResponse, path: string) => boolean;

function readAsset(file: string, cacheControl: string): Asset {
  const body = readFileSync(file);
  const type = contentTypes[extname(file)] ?? 'application/octet-stream';
  const compressible = !type.startsWith('image/png') && !type.startsWith('font/');
  return { body, gzipped: compressible ? gzipSync(body) : null, headers: { 'content-type': type, 'cache-control': cacheControl, ...securityHeaders } };
}

/** Reads the build; the handler answers GET and HEAD of `/`, `/index.html` and `/assets/…` and returns false for anything else. */
export function loadConsoleAssets(directory = CONSOLE_DIR): ConsoleAssetHandler {
  const files = new Map<string, Asset>();
  const index = join(directory, 'index.html');
  if (existsSync(index)) {
    const page = readAsset(index, 'no-cache');
    files.set('/', page);
    files.set('/index.html', page);
    const assets = join(directory, 'assets');
    if (existsSync(assets)) {
      for (const name of readdirSync(assets)) files.set(`/assets/${name}`, readAsset(join(assets, name), 'public, max-age=31536000, immutable'));
    }
  }
  return function serveConsoleAsset(request, response, path) {
    if (path !== '/' && path !== '/index.html' && !path.startsWith('/assets/')) return false;
    if (request.method !== 'GET' && request.method !== 'HEAD') return false;
    const asset = files.get(path);
    if (!asset) {
      const unbuilt = files.size === 0;
      response.writeHead(unbuilt ? 503 : 404, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
      response.end(
        unbuilt
          ? `The admin console is not built. Run \`npm run build:console\` (npm install and npm start do it), then restart the control plane.\n`
          : `No console file ${path}\n`,
      );
      return true;
    }
    const gzip = asset.gzipped !== null && /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''));
    const body = gzip ? asset.gzipped! : asset.body;
    response.writeHead(200, {
      ...asset.headers,
      'content-length': String(body.length),
      vary: 'accept-encoding',
      ...(gzip ? { 'content-encoding': 'gzip' } : {}),
    });
    response.end(request.method === 'HEAD' ? undefined : body);
    return true;
  };
}
