// Writes a complete JSON response (status, x-request-id, content-type, body) in one corked step.
import { STATUS_LINES } from './status-lines.ts';
import type { ClientResponse } from './client-response.ts';

export function sendJson(
  response: ClientResponse,
  status: number,
  body: string | Uint8Array,
  headers: Record<string, string> | null = null,
  closeConnection = false,
): void {
  response.status = status;
  response.cork((native) => {
    native.writeStatus(STATUS_LINES[status] ?? String(status));
    native.writeHeader('x-request-id', response.requestId);
    native.writeHeader('content-type', 'application/json');
    if (headers) for (const name in headers) native.writeHeader(name, headers[name] as string);
    native.end(body, closeConnection);
    return true;
  });
}
