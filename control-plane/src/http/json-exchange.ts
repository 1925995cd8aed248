// Reading a small JSON body and writing JSON answers for the control plane's plain HTTP routes (/auth/…),
// with errors in the gateway's envelope (shared/src/errors.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GatewayError, errorCodes } from '../../../shared/src/errors.ts';

const MAX_BODY_BYTES = 16 * 1024;

export async function readJsonBody(request: IncomingMessage): Promise<unknown> {
  // Only JSON: a cross-site HTML form cannot send it, so a sign-in cannot be forged by another site.
  if (!/^application\/json\b/i.test(request.headers['content-type'] ?? '')) {
    throw new GatewayError('invalid_request', 'send the body as JSON with content-type: application/json', { param: 'content-type' });
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new GatewayError('request_too_large', `the body is larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new GatewayError('invalid_json', 'the body is not valid JSON');
  }
}

export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string | string[]> = {}): void {
  // Answers carry session material (CSRF tokens), so nothing may cache them.
  response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  response.end(JSON.stringify(body));
}

export function sendError(response: ServerResponse, error: unknown): void {
  if (error instanceof GatewayError) {
    const { status, type } = errorCodes[error.code];
    sendJson(response, error.statusOverride ?? status, { error: { message: error.message, type, code: error.code, param: error.param } }, error.headers);
    return;
  }
  sendJson(response, 500, { error: { message: 'Internal server error', type: 'server_error', code: 'internal_error', param: null } });
}
