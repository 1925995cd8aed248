// The `floor` target: the thinnest relay on the data plane's own stack, so the report can tell what the
// stack costs from what our logic adds. uWS server → read the body → JSON.parse it (the data plane must
// read `model`) → the data plane's own upstream client (pipeline/call-upstream.ts) → parse a complete
// answer (metering reads its usage) → relay in one corked write; a stream is relayed chunk by chunk.
// No auth, policy, spend, metering or spool.
import uws from 'uWebSockets.js';
import { callUpstream, createUpstreamClient } from '../data-plane/src/pipeline/call-upstream.ts';
import { CancelSignal } from '../data-plane/src/pipeline/cancel-signal.ts';

export interface FloorRelay {
  port: number;
  close(): Promise<void>;
}

export function startFloorRelay(options: { port: number; upstreamUrl: string }): Promise<FloorRelay> {
  const client = createUpstreamClient({ timeoutMs: 120_000, allowPrivateUpstreams: true, providerKeys: new Map() });
  const headers = { 'content-type': 'application/json', authorization: 'Bearer sk-bench-upstream' };
  const app = uws.App();
  let requests = 0;

  async function relay(response: uws.HttpResponse, body: Buffer, signal: CancelSignal, isAborted: () => boolean): Promise<void> {
    const text = body.toString('utf8');
    const parsed = JSON.parse(text) as { stream?: boolean };
    const upstream = await callUpstream(client, {
      http: { url: options.upstreamUrl, headers, body: text },
      requestId: `floor-${requests++}`,
      signal,
      whole: parsed.stream !== true,
    });
    const contentType = String(upstream.headers['content-type'] ?? 'application/json');
    if (parsed.stream === true) {
      if (isAborted()) return;
      response.cork(() => response.writeStatus('200 OK').writeHeader('content-type', contentType));
      for await (const chunk of upstream.body) {
        if (isAborted()) return;
        response.cork(() => response.write(chunk as Buffer));
      }
      if (!isAborted()) response.cork(() => response.end());
      return;
    }
    const bytes = await upstream.body.bytes();
    const answer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    JSON.parse(answer.toString('utf8'));
    if (!isAborted()) response.cork(() => response.writeStatus('200 OK').writeHeader('content-type', contentType).end(answer));
  }

  app.post('/*', (response) => {
    let aborted = false;
    const abort = new CancelSignal();
    response.onAborted(() => {
      aborted = true;
      abort.abort();
    });
    const parts: Buffer[] = [];
    response.onData((chunk, isLast) => {
      parts.push(Buffer.from(chunk.slice(0)));
      if (!isLast) return;
      relay(response, parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts), abort, () => aborted).catch(() => {
        if (!aborted) response.cork(() => response.writeStatus('502 Bad Gateway').end('{"error":{"message":"floor relay failed"}}'));
      });
    });
  });

  return new Promise((resolve, reject) => {
    app.listen('127.0.0.1', options.port, (socket) => {
      if (!socket) return reject(new Error(`floor relay could not listen on ${options.port}`));
      resolve({
        port: uws.us_socket_local_port(socket),
        close: async () => {
          uws.us_listen_socket_close(socket);
          await client.close();
        },
      });
    });
  });
}
