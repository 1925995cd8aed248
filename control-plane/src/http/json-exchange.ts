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
  const body = await readBody(request, MAX_BODY_BYTES);
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    throw new GatewayError('invalid_json', 'the body is not valid JSON');
  }
}

/**
 * The request's body, if it is at most maxBytes; a larger one (declared or sent) is refused with
 * request_too_large without keeping more than maxBytes (issue 13, defect 4). The rest is read and dropped
 * rather than the socket destroyed, so the refusal still reaches the client; the error's
 * `connection: close` header makes that last only until the answer is written.
 */
export function readBody(request: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const tooLarge = () => new GatewayError('request_too_large', `the body is larger than ${maxBytes} bytes`, { headers: { connection: 'close' } });
  return new Promise((resolve, reject) => {
    if (Number(request.headers['content-length'] ?? 0) > maxBytes) {
      request.resume();
      return reject(tooLarge());
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) return void chunks.push(chunk);
      request.off('data', onData).off('end', onEnd);
      request.resume();
      reject(tooLarge());
    };
    const onEnd = () => resolve(Buffer.concat(chunks));
    request.on('data', onData).once('end', onEnd).once('error', reject);
  });
}

export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string | string[]> = {}): void {
  // Answers carry session material (CSRF tokens), so nothing may cache them.
  response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  response.end(JSON.stringify(body));
}

/**
 * A route that answers only `method` (else 405 with `wrongMethod` as the message) and answers whatever the
 * handler throws in the gateway's envelope, so no error escapes the request.
 */
export function httpRoute<Services>(
  method: 'GET' | 'POST',
  wrongMethod: string,
  serve: (services: Services, request: IncomingMessage, response: ServerResponse) => Promise<void>,
): (services: Services, request: IncomingMessage, response: ServerResponse) => Promise<void> {
  return async (services, request, response) => {
    try {
      if (request.method !== method) throw new GatewayError('method_not_allowed', wrongMethod);
      await serve(services, request, response);
    } catch (error) {
      sendError(response, error);
    }
  };
}

export function sendError(response: ServerResponse, error: unknown): void {
  if (error instanceof GatewayError) {
    const { status, type } = errorCodes[error.code];
    sendJson(response, error.statusOverride ?? status, { error: { message: error.message, type, code: error.code, param: error.param } }, error.headers);
    return;
  }
  sendJson(response, 500, { error: { message: 'Internal server error', type: 'server_error', code: 'internal_error', param: null } });
}
