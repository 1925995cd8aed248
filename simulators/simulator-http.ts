// The HTTP plumbing every provider simulator shares: listening on a port with its sockets tracked (so
// close() is immediate), reading a body, recording every byte sent, and writes that wait for 'drain'
// as a real server under a slow reader does. Each simulator keeps only its provider's wire format.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

interface SimulatorServer {
  /** e.g. http://127.0.0.1:4010 */
  url: string;
  close(): Promise<void>;
}

async function listenSimulator(
  handle: (request: IncomingMessage, response: ServerResponse) => Promise<void>,
  onFailure: (response: ServerResponse, error: unknown) => void,
  options: { port?: number; host?: string } = {},
): Promise<SimulatorServer> {
  const sockets = new Set<Socket>();
  const server = createServer((request, response) => {
    void handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) onFailure(response, error);
      else response.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** What every provider simulator exposes besides its own `scenario`. */
export interface ProviderSimulatorBase<Body = unknown> {
  url: string;
  /** What a client or the gateway uses as the provider's base URL, e.g. `${url}/v1`. */
  baseUrl: string;
  /** The API key it requires (null: it takes any). */
  apiKey: string | null;
  /** Every request and its response, unless started with `record: false`. */
  requests: Array<RecordedRequest<Body>>;
  /** Requests read so far (recorded or not): what answers number their ids by. */
  received: number;
  close(): Promise<void>;
}

/** How one provider's simulator speaks: its base path, its error envelope and its answers. */
export interface SimulatorWire<S extends ProviderSimulatorBase> {
  /** `baseUrl` is the server's URL with this path, e.g. `/v1`. */
  basePath: string;
  /** What the provider answers (400) to a body that is not JSON. */
  invalidJson: string;
  /** Sends `message` with `status` in the provider's own error envelope. */
  sendError(response: ServerResponse, status: number, message: string): void;
  /** Answers a request the simulator has read and recorded. */
  answer(simulator: S, received: ReceivedRequest<S['requests'][number]['body']>, request: IncomingMessage, response: ServerResponse): Promise<void>;
}

export interface SimulatorOptions {
  apiKey?: string;
  port?: number;
  host?: string;
  /**
   * Keep every request and response in `requests` (tests read them); default true. A long-running
   * simulator (npm start's) passes false, or it would hold every byte it ever served.
   */
  record?: boolean;
}

/**
 * Starts a simulator: `state` (its `scenario`, …) plus url, baseUrl, apiKey, requests and close(). Every
 * request is read and recorded before `wire.answer` sees it; a body that is not JSON, or an answer that
 * throws before it sent anything, gets an error in the provider's own envelope.
 */
export async function startProviderSimulator<S extends ProviderSimulatorBase>(
  wire: SimulatorWire<S>,
  state: Omit<S, keyof ProviderSimulatorBase>,
  options: SimulatorOptions = {},
): Promise<S> {
  const simulator = { ...state, url: '', baseUrl: '', apiKey: options.apiKey ?? null, requests: [], received: 0, close: async () => {} } as unknown as S;
  const recorded = options.record === false ? null : (simulator.requests as Array<RecordedRequest<S['requests'][number]['body']>>);
  const server = await listenSimulator(
    async (request, response) => {
      const received = await receiveRequest(recorded, request, response);
      if (received === null) return wire.sendError(response, 400, wire.invalidJson);
      simulator.received += 1;
      return wire.answer(simulator, received, request, response);
    },
    (response, error) => wire.sendError(response, 500, `simulator failure: ${String(error)}`),
    options,
  );
  simulator.url = server.url;
  simulator.baseUrl = `${server.url}${wire.basePath}`;
  simulator.close = server.close;
  return simulator;
}

/** A request as a simulator received it, and what it answered. */
export interface RecordedRequest<Body = unknown> {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  /** The body parsed as JSON (null when there was none). */
  body: Body;
  /** Every byte of the response body the simulator sent, as text. */
  responseText: string;
}

/** A recorded request with its URL parsed. */
export type ReceivedRequest<Body = unknown> = RecordedRequest<Body> & { url: URL };

/**
 * Reads a request and records it in `requests` (unless null), its response text as it is sent. The body
 * is parsed as JSON (null when there is none); a body that is not JSON is not recorded, and the answer is null.
 */
async function receiveRequest<Body = unknown>(
  requests: Array<RecordedRequest<Body>> | null,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<ReceivedRequest<Body> | null> {
  const url = new URL(request.url ?? '/', 'http://simulator');
  const body = await readJsonBody(request);
  if (body === undefined) return null;
  const recorded: RecordedRequest<Body> = {
    method: request.method ?? 'GET',
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: flattenHeaders(request),
    body: body as Body,
    responseText: '',
  };
  if (requests !== null) {
    requests.push(recorded);
    recordResponseText(response, recorded);
  }
  return Object.assign(recorded, { url });
}

/** Appends every byte the response sends to `recorded.responseText`. */
function recordResponseText(response: ServerResponse, recorded: { responseText: string }): void {
  const write = response.write.bind(response) as (chunk: string) => boolean;
  const end = response.end.bind(response) as (chunk?: string) => ServerResponse;
  response.write = ((chunk: string) => {
    recorded.responseText += chunk;
    return write(chunk);
  }) as ServerResponse['write'];
  response.end = ((chunk?: string) => {
    if (typeof chunk === 'string') recorded.responseText += chunk;
    return end(chunk);
  }) as ServerResponse['end'];
}

/** Writes and waits for 'drain' when the socket is full, like a real server under a slow reader. */
export function write(response: ServerResponse, text: string): Promise<void> {
  if (response.destroyed || response.write(text)) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      response.off('drain', done);
      response.off('close', done);
      resolve();
    };
    response.on('drain', done);
    response.on('close', done);
  });
}

/** The body as JSON: null when there is none, `undefined` when it is not JSON. */
async function readJsonBody(request: IncomingMessage): Promise<unknown> {
  const raw = await readBody(request);
  if (raw.length === 0) return null;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function flattenHeaders(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

export function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}
