// GET /metrics on a listener of its own (METRICS_PORT), never on the API's port: a scrape never queues
// behind client requests' routes, and the API's answers stay as they were. With a token set, a scrape
// must send it as `Authorization: Bearer <token>` (compared in constant time); start-data-plane refuses
// to expose the listener beyond loopback without one.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { HttpResponse } from 'uWebSockets.js';
import { listenExclusively, uws } from './uws-runtime.ts';

export interface MetricsListenerOptions {
  host: string;
  port: number;
  /** Required bearer token; null = none (loopback only). */
  token: string | null;
  /** The exposition text and its content type. */
  scrape(): Promise<{ body: string; contentType: string }>;
}

export interface MetricsListener {
  port: number;
  close(): void;
}

const digest = (value: string) => createHash('sha256').update(value).digest();

export async function listenForMetrics(options: MetricsListenerOptions): Promise<MetricsListener> {
  const expected = options.token === null ? null : digest(`Bearer ${options.token}`);
  const app = uws.App();
  app.get('/metrics', (response: HttpResponse, request) => {
    let aborted = false;
    response.onAborted(() => (aborted = true));
    if (expected !== null && !timingSafeEqual(digest(request.getHeader('authorization')), expected)) {
      response.cork(() => response.writeStatus('401 Unauthorized').writeHeader('www-authenticate', 'Bearer').end('unauthorized\n'));
      return;
    }
    options.scrape().then(
      ({ body, contentType }) => {
        if (!aborted) response.cork(() => response.writeStatus('200 OK').writeHeader('content-type', contentType).end(body));
      },
      (error: unknown) => {
        if (!aborted) response.cork(() => response.writeStatus('500 Internal Server Error').end(`scrape failed: ${String(error)}\n`));
      },
    );
  });
  app.any('/*', (response) => void response.writeStatus('404 Not Found').end('not found\n'));
  const socket = await new Promise<unknown>((resolve, reject) => {
    listenExclusively(app, options.host, options.port, (listening) => {
      if (listening) resolve(listening);
      else
        reject(
          new Error(
            `the metrics listener could not listen on ${options.host}:${options.port}: the port is in use, or the address is not one of this machine's`,
          ),
        );
    });
  });
  return {
    port: uws.us_socket_local_port(socket as Parameters<typeof uws.us_socket_local_port>[0]),
    close: () => uws.us_listen_socket_close(socket as Parameters<typeof uws.us_listen_socket_close>[0]),
  };
}
