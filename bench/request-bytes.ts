// The exact bytes of one benchmark request: every target gets the same POST, differing only in path,
// headers and the body's model id, so the load clients can write one prebuilt buffer per request.

export interface BenchRequest {
  host: string;
  port: number;
  path: string;
  headers: Record<string, string>;
  body: string;
}

export function requestBytes(request: BenchRequest): Buffer {
  const body = Buffer.from(request.body);
  const lines = [`POST ${request.path} HTTP/1.1`, `host: ${request.host}:${request.port}`, 'content-type: application/json', `content-length: ${body.length}`];
  for (const [name, value] of Object.entries(request.headers)) lines.push(`${name}: ${value}`);
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), body]);
}
